#!/usr/bin/env python3
"""Records the raw AMI byte stream (after the login) for test fixtures.
  ami_record.py OUT.ami SECONDS     -> writes every byte Asterisk sends, as it sends it (CRLF kept)
Used to record crates/providers/tests/fixtures/asterisk/*.ami from the lab (see README there).
"""
import socket, sys, time

s = socket.create_connection(("127.0.0.1", 5038), timeout=5)
f = s.makefile("rb")
f.readline()  # banner
s.sendall(b"Action: Login\r\nUsername: ci\r\nSecret: ci-secret\r\nActionID: login\r\n\r\n")
while f.readline().strip():  # the login response
    pass
end = time.time() + float(sys.argv[2])
s.settimeout(0.2)
with open(sys.argv[1], "wb") as out:
    while time.time() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            break
        out.write(data)
