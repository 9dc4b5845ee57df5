"""IMR Atlas ETL: letters → records → DuckDB."""
