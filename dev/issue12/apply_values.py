"""Write parameter values (json {"values": {...}}) into an Antimony file's `id = value unit; // source` lines.
Usage: python apply_values.py in.ant values.json out.ant [note]"""
import json, re, sys
src, vals, dst = sys.argv[1], json.load(open(sys.argv[2]))["values"], sys.argv[3]
note = sys.argv[4] if len(sys.argv) > 4 else ""
out = []
for line in open(src):
    m = re.match(r"^(\s*)([A-Za-z_]\w*)(\s*=\s*)([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)(\s*[A-Za-z_]\w*\s*;.*)$", line.rstrip("\n"))
    if m and m.group(2) in vals:
        v = vals[m.group(2)]
        line = f"{m.group(1)}{m.group(2)}{m.group(3)}{v:.4g}{m.group(7)}" + (f" {note}" if note else "") + "\n"
    out.append(line)
open(dst, "w").write("".join(out))
