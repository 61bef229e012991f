#!/usr/bin/env python3
"""A small JavaScript linter: functions, and warnings for var, loose equality and console.log."""
import json
import re
import sys

request = json.load(sys.stdin)
code = request.get("code", "")
warnings = []
for number, line in enumerate(code.splitlines(), 1):
    if re.search(r"\bvar\b", line):
        warnings.append({"line": number, "rule": "no-var", "message": "use let or const instead of var"})
    if re.search(r"[^=!]==[^=]|!=[^=]", line):
        warnings.append({"line": number, "rule": "eqeqeq", "message": "use === and !=="})
    if "console.log" in line:
        warnings.append({"line": number, "rule": "no-console", "message": "unexpected console.log"})
functions = re.findall(r"\bfunction\s+([A-Za-z_$][\w$]*)", code) + re.findall(r"\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?\([^)]*\)\s*=>", code)
print(json.dumps({"analyzer": "javascript_analyzer", "language": "javascript", "lines": len(code.splitlines()),
                  "functions": functions, "warnings": warnings}))
