"""Writes a copy of a Parquet data folder in another format with Spark's own writers, as a
Spark export would be: each dataset a folder of part files (tests/spark.rs)."""
import os
import sys

from pyspark.sql import SparkSession

source, target, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
spark = SparkSession.builder.appName("convert").getOrCreate()
spark.sparkContext.setLogLevel("WARN")
spark.conf.set("spark.sql.session.timeZone", "UTC")
for name in sorted(os.listdir(source)):
    path = os.path.join(source, name)
    if name.endswith(".toml"):
        continue
    if os.path.isdir(path):
        versions = sorted(d for d in os.listdir(path) if d.startswith("v"))
        path = os.path.join(path, versions[-1]) if versions else path
        files = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".parquet"))
    else:
        files = [path]
    df = spark.read.parquet(*files)
    out = os.path.join(target, name.split(".")[0])
    # Two parts for the big datasets, so that file order matters to the duplicate check.
    df = df.repartition(2) if df.count() > 1000 else df.coalesce(1)
    if fmt == "csv":
        df.write.option("header", True).csv(out)
    else:
        df.write.json(out)
