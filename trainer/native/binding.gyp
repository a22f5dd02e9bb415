{
  "targets": [
    {
      "target_name": "gemm",
      "sources": ["gemm.c"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra", "-pthread"],
      "libraries": ["-lopenblas", "-lpthread", "-lm"]
    }
  ]
}
