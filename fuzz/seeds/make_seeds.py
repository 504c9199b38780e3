#!/usr/bin/env python3
"""Writes the seed corpus (seeds/<target>/*). Re-run after editing; the
binary layouts match the headers documented at the top of each target."""
import os, struct

here = os.path.dirname(os.path.abspath(__file__))

def put(target, name, data):
    d = os.path.join(here, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

streams = {
    "name_then_chat": "철수\nhello 한국어\n/msg bob hi\n".encode(),
    "crlf": b"alice\r\n/who\r\n/me waves\r\npartial",
    "invalid_utf8": b"a\xff\xfeb\n\xc3\x28\n\xe2\x82\n",
    "long_line": b"x" * 70 + b"\nok\n" + b"y" * 40,
    "cr_at_cap": b"12345\r\n123456\r\n1234\r",
    "empty_lines": b"\n\n\r\n\r\r\n",
    "commands": b"bob\n/nick carol\n/quit gone fishing\n//etc/passwd\n/dance now\nbob: /who\n",
}

# framing: [max][ncuts][flags][cut u16 x ncuts][stream]
for i, (n, s) in enumerate(streams.items()):
    cuts = [1, 3, 7, 20][: (i % 4) + 1]
    hdr = bytes([5 if i % 2 else 16, len(cuts), 0x03]) + b"".join(struct.pack("<H", c) for c in cuts)
    put("framing", n, hdr + s)
put("framing", "default_cap", bytes([0xFF, 0, 0]) + b"z" * 5000 + b"\nafter\n")

# raw_client: [max][nreads][len u8 x nreads][stream]
put("raw_client", "no_newlines", bytes([40, 3, 4, 11, 20]) + "철수hello there/msg 철수 hi".encode())
put("raw_client", "name_only", bytes([0xFF, 0, 0]) + b"alice")
put("raw_client", "mixed", bytes([8, 2, 9, 0]) + b"bob\r\nhi\r\n/me x\r")
put("raw_client", "long", bytes([4, 1, 0]) + b"abcdefgh\nij")
put("raw_client", "bad_utf8", bytes([20, 2, 3, 0]) + b"bob\xff\xc3/quit \x1b[2J")

# names: the raw bytes of a candidate name
for n, s in {
    "korean": "철수".encode(), "ascii": b"alice", "marks": b"x_y-z.9", "space": b"a b",
    "star": b"*x", "colon": b"a:b", "comma": b"a,b", "ctrl": b"x\x1b", "long": b"n" * 33,
    "max": "가".encode() * 32, "dotted_i": "İstanbul".encode(), "sigma": "ΟΔΟΣ".encode(),
    "bidi": "ab\u202ecd".encode(), "bad_utf8": b"ab\xffcd", "empty": b"",
}.items():
    put("names", n, s)

# commands: SENDER\nLINE
for n, s in {
    "msg": "bob\n/msg 철수 hi", "msg_usage": "bob\n/msg alice   ", "own_prefix": "bob\nbob: /who",
    "other_prefix": "bob\nalice: hi", "nick": "bob\n/nick carol", "me": "bob\n/me waves hello",
    "quit": "bob\n/quit gone fishing", "escape": "bob\n//etc/passwd", "unknown": "bob\n/dance now",
    "slash": "bob\n/", "blank": "bob\n   ", "upper": "bob\n/WHO", "say": "hello",
    "tabs": "bob\n/msg\tbob\thi\t", "nbsp": "bob\n/nick\u00a0x\u3000", "ctrl": "bob\n/me \x1b[2J\x07",
}.items():
    put("commands", n, s.encode())
put("commands", "bad_utf8", b"bob\n/msg \xff\xfe hi")

# replies: LINE[\nNAME[\nTEXT[\nNAME2]]]
for n, s in {
    "welcome": "*** welcome a, online (1): a", "welcome_kr": "*** welcome 철수, online (2): alice, 철수",
    "joined": "*** bob joined", "quit": "*** bob quit (connection lost)", "quit_plain": "*** bob quit",
    "renamed": "*** bob is now known as rob", "online": "*** online (3): a, b, c",
    "online_empty": "*** online (0): ", "chat": "bob: alice: hi", "action": "* bob waves",
    "private": "bob (private): psst", "shutdown": "*** server shutting down", "notice": "*** commands:",
    "other": "no kind here", "err_taken": "*** error: name already in use: Bob",
    "err_bad": "*** error: invalid name: name is empty", "err_unknown": "*** error: unknown command /dance",
    "err_nouser": "*** error: no such user: zed", "err_long": "*** error: line too long (max 4096 bytes)",
    "err_usage": "*** error: usage: /me ACTION", "err_full": "*** error: server full",
    "err_ip": "*** error: too many connections from your address",
    "err_timeout": "*** error: no name received in time", "err_other": "*** error: odd",
    "forge": "x\nmallory\n*** server shutting down\ncarol", "forge2": "x\n철수\n* alice waves\nbob",
    "plus_count": "*** online (+2): a, b", "crlf": "*** bob joined\r",
}.items():
    put("replies", n, s.encode())
put("replies", "bad_utf8", b"*** \xff joined\n\xffbob\n\xc3(")
