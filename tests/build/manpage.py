#!/usr/bin/env python3
"""resops(1) agrees with the program (issue 13 item 7), TAP.

Usage: manpage.py BUILT_PAGE CONFIG_DOC   (RESOPS_BIN, RESOPS_SOURCE_ROOT in env)

  - the long flags of `resops --help`'s options block and the flags the man
    page's OPTIONS section defines (.TP items) are the same set, both ways,
    with the missing names printed; every flag --help mentions anywhere is
    somewhere in the page;
  - every subcommand of --help (and token's create/list/revoke) is in the page;
  - every setting of the table (config_doc example, the generator's own
    output) is in data/resops.conf.example and in the page's CONFIGURATION,
    with its environment variable and a SIGHUP/restart mark;
  - every `:` command of ui/actions.c is in the page's COMMANDS;
  - the page renders with groff -ww without a warning, and man -l shows it.
A last case feeds the flag comparison a --help with one extra flag and
checks that it is caught, so the comparison itself cannot pass vacuously.
"""
import os
import re
import shutil
import subprocess
import sys

PAGE, CONFIG_DOC = sys.argv[1], sys.argv[2]
BIN = os.environ["RESOPS_BIN"]
SRC = os.environ["RESOPS_SOURCE_ROOT"]

n = 0
failed = 0


def ok(cond, name, why=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        for line in str(why).splitlines():
            print(f"# {line}")


def unroff(text):
    """Roff source to plain words: escapes of '-', quotes and fonts undone."""
    text = text.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\(dq", '"')


def section(roff, name):
    """The roff text of .SH NAME up to the next .SH."""
    m = re.search(r"^\.SH " + re.escape(name) + r"\n(.*?)(?=^\.SH |\Z)", roff, re.S | re.M)
    return m.group(1) if m else ""


FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")


def help_option_flags(help_text):
    """Long flags defined in --help's "options:" block (one per line)."""
    block = help_text.split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    return {m.group(1) for line in block.splitlines()
            for m in [re.match(r"\s+--([a-z][a-z0-9-]*)", line)] if m}


def man_option_flags(roff):
    """Flags the OPTIONS section defines: the first flag of each .TP head."""
    lines = unroff(section(roff, "OPTIONS")).splitlines()
    out = set()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            m = FLAG.search(lines[i + 1])
            if m:
                out.add(m.group(1))
    return out


def compare(help_flags, man_flags):
    """'' when equal, else what is missing where."""
    why = []
    if help_flags - man_flags:
        why.append("in --help but not in the man page's OPTIONS: " +
                   ", ".join("--" + f for f in sorted(help_flags - man_flags)))
    if man_flags - help_flags:
        why.append("in the man page's OPTIONS but not in --help: " +
                   ", ".join("--" + f for f in sorted(man_flags - help_flags)))
    return "\n".join(why)


help_text = subprocess.run([BIN, "--help"], capture_output=True, text=True, check=True).stdout
roff = open(PAGE, encoding="utf-8").read()
plain = unroff(roff)

# ---- flags ------------------------------------------------------------------
hflags = help_option_flags(help_text)
mflags = man_option_flags(roff)
ok(len(hflags) >= 10, "--help's options block lists the flags", sorted(hflags))
why = compare(hflags, mflags)
ok(not why, "--help's options and the man page's OPTIONS are the same flags", why)
anywhere = {m.group(1) for m in FLAG.finditer(help_text)}
missing = sorted(f for f in anywhere if "--" + f not in plain)
ok(not missing, "every flag --help mentions is in the man page",
   "missing: " + ", ".join("--" + f for f in missing))

# ---- subcommands -------------------------------------------------------------
subs = set(re.findall(r"^\s*(?:usage:\s+)?resops ([a-z]+)\b", help_text, re.M))
ok({"seed", "probe", "token"} <= subs, "--help names the subcommands seed, probe, token",
   sorted(subs))
synopsis = unroff(section(roff, "SYNOPSIS"))
missing = sorted(s for s in subs if f"resops {s}" not in synopsis)
ok(not missing, "every subcommand of --help is in the SYNOPSIS", "missing: " + ", ".join(missing))
verbs = set()
for line in help_text.splitlines():
    m = re.match(r"\s*(?:usage:\s+)?resops ([a-z]+) (.*)", line)
    if m:
        first = re.match(r"([a-z]+)\b", m.group(2))
        if first:
            verbs.add((m.group(1), first.group(1)))
        # "| list | revoke": alternatives of the subcommand, not "ingest|read" values
        verbs |= {(m.group(1), w) for w in re.findall(r"\s\|\s*([a-z]+)\b", m.group(2))}
missing = sorted(f"{s} {v}" for s, v in verbs if f"resops {s} {v}" not in synopsis)
ok(("token", "revoke") in verbs and not missing,
   "every subcommand verb of --help (token create|list|revoke) is in the SYNOPSIS",
   "missing: " + ", ".join(missing))

# ---- settings ----------------------------------------------------------------
fresh = subprocess.run([CONFIG_DOC, "example"], capture_output=True, text=True,
                       check=True).stdout


def settings_of(example):
    """{section.key: env} from an example file's text."""
    out, sec, env = {}, None, None
    for line in example.splitlines():
        if re.match(r"^\[([a-z_.]+)\]$", line):
            sec = line[1:-1]
        m = re.search(r"; env: ([A-Z0-9_]+)$", line)
        if m:
            env = m.group(1)
        m = re.match(r"^#([a-z_.]+) = ", line)
        if m and sec:
            out[f"{sec}.{m.group(1)}"] = env
    return out


table = settings_of(fresh)
ok(len(table) >= 60, f"the settings table has its rows ({len(table)})")
committed = settings_of(open(os.path.join(SRC, "data/resops.conf.example")).read())
missing = sorted(set(table) - set(committed))
ok(not missing, "every setting of the table is in data/resops.conf.example",
   "missing: " + ", ".join(missing))
config = unroff(section(roff, "CONFIGURATION"))
entries = dict(re.findall(r"^\.TP\n\.B ([a-z_.]+)\n(.*?)(?=^\.TP|^\.SS|\Z)", config, re.S | re.M))
missing = sorted(set(table) - set(entries))
ok(not missing, "every setting of the table is in the man page's CONFIGURATION",
   "missing: " + ", ".join(missing))
bad = sorted(name for name, env in table.items()
             if name in entries and (env not in entries[name] or
                                     not re.search(r"SIGHUP\s+reloads it|a restart applies it",
                                                   entries[name])))
ok(not bad, "each setting's entry names its environment variable and SIGHUP or restart",
   "incomplete: " + ", ".join(bad))
reloads = [name for name in entries if "SIGHUP" in entries[name]]
ok("engine.check_interval" in reloads and "general.db" not in reloads,
   f"the page marks reloadable settings ({len(reloads)} of {len(entries)})")

# ---- : commands ----------------------------------------------------------------
actions = open(os.path.join(SRC, "ui/actions.c")).read()
table_src = actions.split("} commands[] = {", 1)[1].split("};", 1)[0]
cmds = set(re.findall(r'^\s*\{"([a-z!]+)", ":', table_src, re.M))
commands = unroff(section(roff, "COMMANDS"))
missing = sorted(c for c in cmds if not re.search(r"(?<![\w!]):" + re.escape(c) + r"(?![\w!])",
                                                  commands))
ok(len(cmds) >= 15 and not missing, f"every : command of ui/actions.c ({len(cmds)}) is in COMMANDS",
   "missing: " + ", ".join(":" + c for c in missing))

# ---- keys ---------------------------------------------------------------------------
def bold_words(roff_text):
    """Every word of the .B/.BR lines of roff_text (the keys as the page sets them)."""
    out = set()
    for line in unroff(roff_text).splitlines():
        if line.startswith((".B ", ".BR ")):
            out |= {w.strip('"') for w in line.split()[1:]}
    return out


keys_sec = section(roff, "KEYS")
subsecs = dict(re.findall(r"^\.SS ([^\n]+)\n(.*?)(?=^\.SS |\Z)", keys_sec, re.S | re.M))
keymap = open(os.path.join(SRC, "ui/keys.c")).read().split("keymap[] = {", 1)[1].split("};", 1)[0]
labels = re.findall(r'^\s*\{\{[^}]*\}, "([^"]+)", "', keymap, re.M)
words = bold_words(keys_sec)
missing = sorted({w for label in labels for w in label.split()} - words)
ok(len(labels) >= 15 and not missing, f"every global key of ui/keys.c ({len(labels)}) is in KEYS",
   "missing: " + ", ".join(missing))
missing = []
panes = 0
for path in sorted(os.listdir(os.path.join(SRC, "ui"))):
    if not path.startswith("pane_"):
        continue
    text = open(os.path.join(SRC, "ui", path)).read()
    m = re.search(r"static const PaneKey \w+\[\] = \{(.*?)\n\};", text, re.S)
    title = re.search(r'\.title = "([^"]+)"', text)
    if not m or not title:
        continue
    panes += 1
    sub = bold_words(subsecs.get(title.group(1), ""))
    for label in re.findall(r'\{\{[^}]*\}, "([^"]+)",', m.group(1)):
        missing += [f"{title.group(1)}: {w}" for w in label.split() if w not in sub]
ok(panes >= 7 and not missing, f"every key of every pane's table ({panes} panes) is in its KEYS subsection",
   "missing: " + ", ".join(missing))

# ---- rendering -------------------------------------------------------------------
r = subprocess.run(["groff", "-ww", "-z", "-man", PAGE], capture_output=True, text=True)
ok(r.returncode == 0 and not r.stderr.strip(), "groff -ww -z -man renders it without a warning",
   r.stderr)
if shutil.which("man"):
    r = subprocess.run(["man", "-l", PAGE], capture_output=True, text=True,
                       env=dict(os.environ, MANWIDTH="80"))
    text = re.sub(r".\x08", "", r.stdout)
    ok(r.returncode == 0 and all(h in text for h in
                                 ("SYNOPSIS", "CONFIGURATION", "SIGNALS", "EXIT STATUS")),
       "man -l shows SYNOPSIS, CONFIGURATION, SIGNALS and EXIT STATUS", r.stderr)
else:
    n += 1
    print(f"ok {n} - man -l shows the page # SKIP no man")
body = "\n".join(line for line in roff.splitlines() if not line.startswith('.\\"'))
version = subprocess.run([BIN, "--version"], capture_output=True, text=True).stdout.strip()
ok("@CONFIGURATION@" not in body and "@VERSION@" not in body and f'"{version}"' in body,
   "the template's placeholders are filled in")

# ---- the comparison can fail --------------------------------------------------
extra = help_text.replace("\noptions:\n", "\noptions:\n  --bogus-flag X          only in --help\n")
why = compare(help_option_flags(extra), mflags)
ok("--bogus-flag" in why, "a flag added to --help only is caught and named", why)

print(f"1..{n}")
sys.exit(1 if failed else 0)
