#!/usr/bin/env bash
# Writes the API keys docker-compose.yml passes to the silos into .env (docker-compose reads it
# beside docker-compose.yml), one random 48-character key per role. Variables already in the file
# are kept, so running it again changes nothing; a new file is readable by its owner only.
#
#   scripts/compose-keys.sh            writes ./.env in the repository root
#   scripts/compose-keys.sh FILE       writes FILE instead (then: docker-compose --env-file FILE ...)
#
# .env is ignored by git; .env.example shows its shape.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="${1:-$root/.env}"
umask 077
touch "$file"
chmod 600 "$file"

added=()
for role in ADMIN CALLER READER; do
    name="TOOLGRAINS_${role}_KEY"
    if grep -Eq "^${name}=.+" "$file"; then continue; fi
    # An empty placeholder (as in .env.example) is replaced, not shadowed.
    sed -i "/^${name}=[[:space:]]*\$/d" "$file"
    # 24 random bytes as hex: 48 characters, well above the silo's 16-character minimum.
    key="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    # A last line without a newline would swallow the variable.
    if [[ -s "$file" && "$(tail -c1 "$file")" != "" ]]; then printf '\n' >>"$file"; fi
    printf '%s=%s\n' "$name" "$key" >>"$file"
    added+=("$name")
done

if ((${#added[@]} == 0)); then
    printf 'compose-keys: %s already has the three keys; kept them\n' "$file"
else
    printf 'compose-keys: wrote %s to %s\n' "${added[*]}" "$file"
fi
