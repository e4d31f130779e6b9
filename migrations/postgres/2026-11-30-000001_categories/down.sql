DROP TABLE category_services;
DROP TABLE category_offerings;
DROP TABLE categories;
