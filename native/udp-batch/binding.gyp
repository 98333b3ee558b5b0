{
  "targets": [
    {
      "target_name": "udp-batch",
      "sources": ["addon.cc", "poll.cc", "batch_socket.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"]
    }
  ]
}
