{
  "targets": [
    {
      "target_name": "srtp",
      "sources": ["srtp.c"],
      "cflags": ["-Wall", "-Wextra"]
    }
  ]
}
