DROP TABLE key_generation;
