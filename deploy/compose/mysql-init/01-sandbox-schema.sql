-- Runs once, when the mysql volume is first initialised (docker-entrypoint-initdb.d).
-- The compose `sandbox` service writes its synthetic university here, apart from real data.
CREATE DATABASE IF NOT EXISTS course_inventory_sandbox CHARACTER SET utf8mb4;
GRANT ALL PRIVILEGES ON course_inventory_sandbox.* TO 'inventory'@'%';
