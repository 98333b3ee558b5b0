{
  "targets": [
    {
      "target_name": "heap-trim",
      "sources": ["heap_trim.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
