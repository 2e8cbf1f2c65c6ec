"""House rules: every numeric declaration has a unit and a source (same regex as mgsignal.parameters, re-implemented)."""
import re, sys
DECL = re.compile(r"^\s*(?P<id>[A-Za-z_]\w*)\s*=\s*(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)"
                  r"\s*(?P<unit>[A-Za-z_]\w*)?\s*;?\s*(//\s*(?P<source>.*?))?\s*$")
for path in sys.argv[1:]:
    rows = []
    for n, line in enumerate(open(path), 1):
        if line.lstrip().startswith("//"):
            continue
        m = DECL.match(line)
        if m:
            rows.append((m["id"], m["value"], m["unit"], (m["source"] or "").strip(), n))
    print(path, len(rows), "values;", "missing source:", [r[0] for r in rows if not r[3]],
          "no unit:", [r[0] for r in rows if not r[2]])
