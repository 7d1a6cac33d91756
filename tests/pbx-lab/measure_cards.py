#!/usr/bin/env python3
"""INVITE sent by sipp -> ringing card printed by `callpop-cli watch --json` (p50 / p99 over N calls).
  measure_cards.py CALLPOP_CLI [N]      (the lab's Asterisk running, ports 5070/5090 free; as root)
The card line is timestamped when this script reads it from watch's stdout, the INVITE from sipp's
message log: one host clock. The app shows the same pipeline's output, so this is the card latency
minus the window's paint."""
import datetime, os, re, statistics, subprocess, sys, tempfile, threading, time
HERE = os.path.dirname(os.path.abspath(__file__)); SC = os.path.join(HERE, "scenarios")

def sipp_sends(path, method="INVITE"):  # as in measure.py: when sipp sent each INVITE
    out, ts = [], None
    lines = open(path, errors="replace").read().splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"-{10,} (\d{4}-\d\d-\d\d)\s+(\d\d:\d\d:\d\d\.\d+)", l)
        if m:
            ts = datetime.datetime.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S.%f").timestamp()
            continue
        if l.startswith("UDP message sent") and i + 2 < len(lines) and lines[i + 2].startswith(method + " "):
            out.append(ts)
    return out

cli, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
home = tempfile.mkdtemp()
open(f"{home}/config.toml", "w").write('region = "RU"\n[account]\nprovider = "asterisk"\ndomain = "127.0.0.1"\n'
    'base_url = "tcp://127.0.0.1:5038"\nuser = "101"\nlogin = "ci"\n')
env = dict(os.environ, CALLPOP_CONFIG=f"{home}/config.toml", CALLPOP_DATA_DIR=f"{home}/data",
           CALLPOP_API_KEY="ci-secret", RUST_LOG="callpop_providers=info")
phone = subprocess.Popen(["sipp", "-sf", f"{SC}/uas_ring_answer.xml", "-i", "127.0.0.1", "-p", "5070", "-mp", "16000",
                          "-d", "100", "-timeout", "300", "-nostdin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
watch = subprocess.Popen([cli, "watch", "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
connected = threading.Event()
threading.Thread(target=lambda: [connected.set() for l in watch.stderr if "connected to the Asterisk" in l], daemon=True).start()
cards = {}
def read():
    import json
    for line in watch.stdout:
        t = time.time(); c = json.loads(line)
        if c["state"] == "ringing": cards.setdefault(c["call_id"], t)
threading.Thread(target=read, daemon=True).start()
try:
    assert connected.wait(30), "watch did not connect"
    time.sleep(0.5)
    subprocess.run(["sipp", "127.0.0.1:5060", "-sf", f"{SC}/uac_customer_call.xml", "-i", "127.0.0.1", "-p", "5090",
                    "-mp", "16200", "-s", "100", "-key", "caller", "0308888888", "-key", "caller_name", "Measure",
                    "-m", str(n), "-l", "1", "-d", "100", "-timeout", "300", "-nostdin", "-trace_msg",
                    "-message_file", f"{home}/uac.msg"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
finally:
    watch.terminate(); phone.terminate()
invites = sipp_sends(f"{home}/uac.msg")
shown = sorted(cards.values())
d = sorted((b - a) * 1000 for a, b in zip(invites, shown))
assert len(d) == n == len(shown), f"{len(invites)} INVITEs, {len(shown)} cards"
p99 = d[min(len(d) - 1, int(round(0.99 * (len(d) - 1))))]
print(f"INVITE -> ringing card (watch --json): n={len(d)} p50={statistics.median(d):.1f} ms p99={p99:.1f} ms max={d[-1]:.1f} ms")
