# The Debian archive this machine's apt already uses, read from its own sources, so that
# provision-engine.sh's throw-away apt configurations reach the same mirror (a site's
# local mirror or caching proxy) as apt itself. Sourced by provision-engine.sh and by the
# unit tests (tests/unit/foundation/test_apt_sources.py); POSIX awk only (Debian's mawk).
#
# debian_source LIST PARTS CODENAME
#   LIST      the one-line sources file (apt's Dir::Etc::sourcelist: /etc/apt/sources.list)
#   PARTS     its directory of *.list (one-line) and *.sources (deb822) files
#             (Dir::Etc::sourceparts: /etc/apt/sources.list.d)
#   CODENAME  the machine's Debian release (bookworm, trixie)
#
# Prints "[OPTIONS] URI" ("URI" alone when the entry has no signed-by or trusted option),
# so that "deb $(debian_source ...) SUITE main" is a sources.list line for any SUITE of
# that archive. The entry used is a `deb` entry (not deb-src, not `Enabled: no`) with an
# http or https URI (file:, cdrom: and copy: entries are skipped), the `main` component
# and the suite CODENAME (or stable, oldstable, testing, unstable, sid): the first one
# signed by Debian's archive keyring, else the first whose URI ends in /debian, else the
# first. Security, updates and backports suites never match. A Signed-By that embeds its
# key (deb822) is not carried over: apt then checks against the machine's trusted keys.
# Exits 1 with a message on stderr when no entry fits.
debian_source() {
  local list=$1 parts=${2%/} codename=$3 files=() file
  [ -f "$list" ] && files+=("$list")
  for file in "$parts"/*; do # in name order, as apt reads them
    case $file in *.list | *.sources) [ -f "$file" ] && files+=("$file") ;; esac
  done
  if [ "${#files[@]}" -gt 0 ] && awk -v codename="$codename" "$_DEBIAN_SOURCE_AWK" "${files[@]}"; then
    return 0
  fi
  printf '%s\n' "no apt source for Debian's $codename suite (component main, over http or https) in $list or $parts/*.list, *.sources: add the Debian mirror this site uses there, as apt itself needs it, and run this again" >&2
  return 1
}

_DEBIAN_SOURCE_AWK='
function has(list, word,    n, parts, i) {
  n = split(list, parts, /[ \t,]+/)
  for (i = 1; i <= n; i++) if (parts[i] == word) return 1
  return 0
}
function release(suites) {
  return has(suites, codename) || has(suites, "stable") || has(suites, "oldstable") \
    || has(suites, "testing") || has(suites, "unstable") || has(suites, "sid")
}
function consider(types, uris, suites, comps, signed, trusted,    n, u, i, rank, opts) {
  if (!has(types, "deb") || !has(comps, "main") || !release(suites)) return
  n = split(uris, u, /[ \t]+/)
  for (i = 1; i <= n; i++) {
    if (u[i] !~ /^([a-z0-9]+\+)?https?:\/\//) continue
    rank = 2
    if (signed ~ /debian-archive-keyring/) rank = 0
    else if (u[i] ~ /\/debian\/?$/) rank = 1
    if (rank >= best) continue
    best = rank
    opts = ""
    if (signed != "") opts = "signed-by=" signed
    if (trusted != "") opts = opts (opts == "" ? "" : " ") "trusted=" trusted
    chosen = (opts == "" ? "" : "[" opts "] ") u[i]
  }
}
# One-line format: deb [opt=value ...] URI SUITE COMPONENT...
function one_line(line,    n, f, i, opts, o, k, signed, trusted, comps) {
  sub(/#.*/, "", line)
  n = split(line, f, /[ \t]+/)
  i = 1
  if (f[i] == "") i++
  if (f[i] != "deb") return
  i++
  signed = ""; trusted = ""
  if (substr(f[i], 1, 1) == "[") {
    opts = ""
    while (i <= n) {
      opts = opts " " f[i]
      if (f[i] ~ /\]$/) break
      i++
    }
    i++
    gsub(/[\[\]]/, " ", opts)
    k = split(opts, o, /[ \t]+/)
    for (; k > 0; k--) {
      if (o[k] ~ /^signed-by=/) signed = substr(o[k], 11)
      else if (o[k] ~ /^trusted=/) trusted = substr(o[k], 9)
    }
  }
  comps = ""
  for (k = i + 2; k <= n; k++) comps = comps " " f[k]
  consider("deb", f[i], f[i + 1], comps, signed, trusted)
}
# deb822 format: stanzas of "Field: value" lines, continuation lines start with a blank.
function flush() {
  if (stanza && tolower(field["enabled"]) != "no")
    consider(field["types"], field["uris"], field["suites"], field["components"], \
      (multiline["signed-by"] ? "" : field["signed-by"]), field["trusted"])
  stanza = 0
  split("", field)
  split("", multiline)
}
BEGIN { best = 3; chosen = "" }
FNR == 1 { flush() }
FILENAME !~ /\.sources$/ { one_line($0); next }
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { if (last != "") multiline[last] = 1; next }
{
  stanza = 1
  last = tolower($0)
  sub(/:.*/, "", last)
  value = $0
  sub(/^[^:]*:[ \t]*/, "", value)
  sub(/[ \t]+$/, "", value)
  if (last == "signed-by") gsub(/[ \t,]+/, ",", value)
  field[last] = value
}
END {
  flush()
  if (chosen == "") exit 1
  print chosen
}
'
