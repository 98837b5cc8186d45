"""The map step and the shard builder: source rows in, OURO rows out, one Parquet file per shard."""
