#!/usr/bin/env python3
"""Language-agnostic metrics: guesses the language and counts lines, comments and blank lines."""
import json
import re
import sys

request = json.load(sys.stdin)
code = request.get("code", "")
lines = code.splitlines()
guesses = [("python", r"^\s*(def|import|from)\s|:\s*$"), ("javascript", r"\bfunction\b|=>|\bconst\b|console\.log"),
           ("c-like", r"#include|\bint\s+main\b"), ("shell", r"^#!.*sh")]
scores = {name: len(re.findall(pattern, code, re.M)) for name, pattern in guesses}
language = request.get("language") or (max(scores, key=scores.get) if any(scores.values()) else "unknown")
comments = sum(1 for l in lines if re.match(r"\s*(#|//|/\*|\*)", l))
print(json.dumps({"analyzer": "universal_analyzer", "language": language, "lines": len(lines),
                  "blank_lines": sum(1 for l in lines if not l.strip()), "comment_lines": comments, "chars": len(code)}))
