DROP TABLE view_watch;
DROP TABLE customer_view_digests;
