{
  "targets": [
    {
      "target_name": "socket-write",
      "sources": ["socket_write.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
