#!/usr/bin/env python3
"""Analyzes Python source with the standard ast module. Despite its broad description it only knows
Python: JavaScript input fails with UnsupportedLanguageError on stderr and exit code 2."""
import ast
import json
import re
import sys

request = json.load(sys.stdin)
code = request.get("code", "")
language = str(request.get("language", "")).lower()
looks_like_js = re.search(r"\bfunction\b|=>|\bconst\b|\blet\b|console\.log|;\s*$", code, re.M)
if language in ("javascript", "js", "typescript", "ts") or (not language and looks_like_js):
    print(f"UnsupportedLanguageError: python_code_analyzer only analyzes Python, not {language or 'JavaScript'}", file=sys.stderr)
    sys.exit(2)
try:
    tree = ast.parse(code)
except SyntaxError as e:
    print(f"UnsupportedLanguageError: not Python ({e.msg} at line {e.lineno})", file=sys.stderr)
    sys.exit(2)
functions = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
imports = sorted({a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
                 | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module})
print(json.dumps({"analyzer": "python_code_analyzer", "language": "python", "lines": len(code.splitlines()),
                  "functions": functions, "classes": classes, "imports": imports}))
