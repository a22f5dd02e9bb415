{
  "targets": [
    {
      "target_name": "gemm",
      "sources": ["gemm.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-pthread"],
      "include_dirs": ["/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lpthread", "-lm"]
    }
  ]
}
