"""The attack list of issue 11, replayed by the tests in this package; the README's "Security"
table counts these lists (tests/security/test_readme.py keeps the two equal)."""

from __future__ import annotations

EVIL_HOST = "127.0.0.1:9"  # nothing listens there; the browser test watches for any request at all

# Class → statements the SQL page must refuse with a message, the dashboard still up afterwards.
SQL_ATTACKS: dict[str, list[str]] = {
    "SQL that writes or changes the schema": [
        "DELETE FROM letters",
        "UPDATE letters SET synthetic = true",
        "INSERT INTO meta VALUES ('x', 'y')",
        "INSERT INTO letters SELECT * FROM letters",
        "CREATE TABLE t AS SELECT 1",
        "CREATE TEMP TABLE t AS SELECT 1",
        "CREATE VIEW v AS SELECT 1",
        "CREATE OR REPLACE VIEW decisions AS SELECT 1",
        "CREATE MACRO m(x) AS x + 1",
        "CREATE SEQUENCE s",
        "CREATE SCHEMA s",
        "CREATE TYPE mood AS ENUM ('a')",
        "CREATE INDEX i ON letters (doc_id)",
        "DROP VIEW decisions",
        "DROP TABLE letters",
        "ALTER TABLE letters ADD COLUMN x INT",
        "ALTER TABLE letters RENAME TO gone",
        "TRUNCATE letters",
        "COMMENT ON TABLE letters IS 'x'",
        "VACUUM",
        "CHECKPOINT",
        "FORCE CHECKPOINT",
        "BEGIN TRANSACTION",
        "PREPARE p AS DELETE FROM letters",
        "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')",
        "SELECT 1; DELETE FROM letters",
        "DELETE FROM letters; SELECT 1",
        "SELECT * FROM query('DELETE FROM letters')",
        "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))",
    ],
    "SQL that reaches files, the network or other databases": [
        "COPY letters TO '/tmp/letters.csv'",
        "COPY (SELECT * FROM letters) TO '/tmp/letters.parquet' (FORMAT parquet)",
        "COPY letters FROM '/etc/hostname'",
        "EXPORT DATABASE '/tmp/imr-export'",
        "IMPORT DATABASE '/tmp/imr-export'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "ATTACH ':memory:' AS scratch",
        "DETACH imr",
        "INSTALL httpfs",
        "LOAD httpfs",
        "FORCE INSTALL httpfs",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_blob('/etc/hostname')",
        "SELECT * FROM read_csv('/etc/hostname')",
        "SELECT * FROM read_csv_auto('/etc/passwd')",
        "SELECT * FROM read_json('/etc/hostname')",
        "SELECT * FROM read_json_auto('/etc/hostname')",
        "SELECT * FROM read_ndjson('/etc/hostname')",
        "SELECT * FROM read_parquet('/etc/hostname')",
        "SELECT * FROM parquet_metadata('/etc/hostname')",
        "SELECT * FROM parquet_schema('/etc/hostname')",
        "SELECT * FROM sniff_csv('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM system.main.glob('/etc/*')",
        "SELECT * FROM \"READ_TEXT\"('/etc/hostname')",
        "SELECT * FROM read_text(['/etc/hostname', '/etc/passwd'])",
        "SELECT * FROM read_csv('https://example.invalid/x.csv')",
        "SELECT * FROM read_duckdb('/tmp/other.duckdb')",
        "SELECT * FROM '/etc/hostname'",
        "SELECT * FROM '/etc/passwd.csv'",
        "SELECT * FROM 'https://example.invalid/x.parquet'",
        "EXPLAIN SELECT * FROM read_text('/etc/hostname')",
        "WITH f AS (SELECT * FROM read_text('/etc/hostname')) SELECT * FROM f",
        "SELECT (SELECT content FROM read_text('/etc/hostname'))",
        "SELECT count(*) FROM letters WHERE EXISTS (SELECT 1 FROM glob('/etc/*'))",
        "SELECT * FROM letters, LATERAL (SELECT * FROM read_blob('/etc/hostname'))",
        "SELECT * FROM query_table('letters')",
    ],
    "SQL that changes settings or the engine's state": [
        "SET threads = 64",
        "SET memory_limit = '100GB'",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET temp_directory = '/'",
        "SET max_temp_directory_size = '1TB'",
        "SET GLOBAL threads = 64",
        "RESET ALL",
        "PRAGMA threads = 64",
        "PRAGMA enable_profiling",
        "PRAGMA disable_checkpoint_on_shutdown",
        "CALL enable_logging()",
        "CALL pragma_version()",
        "SELECT * FROM enable_profiling()",
        "SELECT * FROM disable_profiling()",
        "SELECT * FROM checkpoint()",
        "SELECT * FROM force_checkpoint()",
        "SELECT * FROM disable_logging()",
        "SELECT * FROM truncate_duckdb_logs()",
        "SELECT write_log('hello')",
        "SELECT enable_checkpoint_on_shutdown()",
        "USE memory",
    ],
    "SQL that crashes the engine (enable_logging to a file)": [
        # the audit's statement, as it was typed
        "SELECT * FROM range(200000) r LEFT JOIN enable_logging(storage:='file', storage_path:='logs') ON true",  # noqa: E501
        "SELECT * FROM enable_logging(storage:='file', storage_path:='logs')",
        "SELECT * FROM enable_logging(storage := 'file', storage_path := '/tmp/imr-logs', level := 'trace')",
        "WITH l AS (SELECT * FROM enable_logging(storage:='file', storage_path:='logs')) SELECT * FROM l",
        "SELECT (SELECT count(*) FROM enable_logging(storage:='file', storage_path:='logs'))",
        "SELECT * FROM \"enable_logging\"(storage:='file', storage_path:='logs')",
        "SELECT * FROM system.main.enable_logging(storage:='file', storage_path:='logs')",
        "SELECT * FROM Enable_Logging(storage:='file', storage_path:='logs')",
        "SELECT * FROM letters, enable_logging(storage:='stdout')",
    ],
}

# Markdown, HTML and URL tricks a letter (or its file name) may carry into the dashboard.
HOSTILE_TREATMENT = (
    f"Norco ![pixel](http://{EVIL_HOST}/t.png) <img src=http://{EVIL_HOST}/i.png> "
    "[click](javascript:alert(1)) `tick` **bold** :red[alarm] <script>alert(2)</script>"
)
HOSTILE_MEMBER_NAME = f"![member](http://{EVIL_HOST}/z.png) <img src=x onerror=alert(3)>.txt"
# A file name cannot hold "/", so no URL with a host here; a zip member name can.
HOSTILE_FILE_NAME = "[file](javascript:alert(4)) <b onmouseover=alert(5)>bold `x` :red[alarm].txt"
