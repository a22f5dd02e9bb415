{
  "targets": [
    {
      "target_name": "gemm",
      "sources": ["gemm.c", "pool.c", "napi_args.c", "elementwise.c", "layerNorm.c", "attention.c", "odl.c", "adamw.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-pthread", "-ffp-contract=off"],
      "include_dirs": ["/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lpthread", "-lm"]
    }
  ]
}
