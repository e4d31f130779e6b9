DROP TABLE overlay_service_levels;
DROP TABLE overlays;
