#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks po/zh_CN.po the way a reviewer of the Chinese interface would.

Prints TAP. Each check is one test case:
  1. msgfmt --check accepts the file;
  2. nothing is untranslated or fuzzy;
  3. every msgstr has Chinese characters (but for a short allow-list of codes);
  4. the glossary of shared/docs/domain.md is followed (po/glossary.tsv is the
     project's copy);
  5. no term the glossary replaced is used (警报, 下一任, 受理 for a
     department's acceptance, 上报 for escalation);
  6. every file with marked strings is in POTFILES.in, and 7. every marked
     string is in zh_CN.po;
  8. the copy of the glossary still matches the shared original, when present.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PO = os.path.join(HERE, 'zh_CN.po')
GLOSSARY = os.path.join(HERE, 'glossary.tsv')
# msgids whose translation may stay in Latin letters: codes and formats.
EXEMPT = {'CAP', 'MBTiles', 'GCJ-02', 'WGS-84', 'JSON', 'URL'}
CJK = re.compile('[\u3400-\u9fff]')

results = []


def case(name, ok, diagnostics=()):
    results.append((name, ok, list(diagnostics)))


def unescape(s):
    """Undoes PO string escapes (only \\n, \\t, \\" and \\\\ occur in PO files)."""
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


def read_entries(path):
    """Yields dicts with ctx, msgid, msgstr, fuzzy for each entry but the header."""
    text = open(path, encoding='utf-8').read()
    for block in re.split(r'\n\s*\n', text):
        if re.search(r'^#~', block, re.M):
            continue
        fields = {}
        current = None
        for line in block.splitlines():
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if m:
                current = m.group(1)
                fields[current] = m.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if 'msgid' not in fields or fields['msgid'] == '':
            continue
        strs = [v for k, v in fields.items() if k.startswith('msgstr')]
        yield {
            'ctx': fields.get('msgctxt'),
            'msgid': unescape(fields['msgid']),
            'msgstrs': [unescape(s) for s in strs],
            'fuzzy': bool(re.search(r'^#,.*\bfuzzy\b', block, re.M)),
        }


def main():
    r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, PO],
                       capture_output=True, text=True)
    case('msgfmt --check accepts zh_CN.po', r.returncode == 0, r.stderr.splitlines())

    entries = list(read_entries(PO))
    incomplete = [e['msgid'] for e in entries
                  if e['fuzzy'] or any(s == '' for s in e['msgstrs'])]
    case('no untranslated or fuzzy messages (%d messages)' % len(entries),
         not incomplete and len(entries) > 0, ['untranslated or fuzzy: ' + m for m in incomplete])

    latin = [e['msgid'] for e in entries
             if e['msgid'] not in EXEMPT and any(s and not CJK.search(s) for s in e['msgstrs'])]
    case('every translation has Chinese characters', not latin,
         ['no Chinese in the translation of: ' + m for m in latin])

    glossary = []
    for line in open(GLOSSARY, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        en, zh = line.rstrip('\n').split('\t')
        glossary.append((en, zh))
    # Phrases in which a glossary word has its everyday sense: "en route" is
    # a force on its way (在途), not an incident routed (流转).
    everyday = re.compile(r'\ben route\b', re.I)
    wrong = []
    for en, zh in glossary:
        pattern = re.compile(r'\b' + re.escape(en).replace(r'\ ', r'[\s-]+') + r'(s|es)?\b', re.I)
        for e in entries:
            if pattern.search(everyday.sub('', e['msgid'].replace('_', ''))):
                for s in e['msgstrs']:
                    if zh not in s:
                        wrong.append('"%s" should use %s (%s): %s' % (e['msgid'], zh, en, s))
    case('glossary terms are translated as the glossary says (%d terms)' % len(glossary),
         not wrong and len(glossary) > 0, wrong)

    # Words a Chinese grid centre does not use for these things (domain.md's
    # glossary changed after the first release): 警报 is a siren, not the
    # console's 告警; 下一任 is a successor in office, not the next shift's
    # 接班 leader; a department signs for a case (签收), the centre takes in
    # calls (受理); 上报 is reporting, escalation is 提级.
    forbidden = [
        (re.compile(r''), '警报', 'alarm is 告警'),
        (re.compile(r''), '下一任', 'the next shift is 接班'),
        (re.compile(r'\baccept', re.I), '受理', 'a department accepts: 签收'),
        (re.compile(r'\bescalat', re.I), '上报', 'escalate is 提级'),
    ]
    banned = []
    for e in entries:
        for when, word, why in forbidden:
            if when.search(e['msgid']) and any(word in s for s in e['msgstrs']):
                banned.append('"%s" uses %s (%s)' % (e['msgid'], word, why))
    case('no forbidden terms (警报, 下一任, 受理 for accept, 上报 for escalate)', not banned, banned)

    # Every file that marks strings is listed, and every marked string is in
    # zh_CN.po (else a new string would show in English until someone ran
    # update-po).
    root = os.path.dirname(HERE)
    listed = set(l.strip() for l in open(os.path.join(HERE, 'POTFILES.in'), encoding='utf-8')
                 if l.strip() and not l.startswith('#'))
    marking = set()
    for top in ('src', 'ui', 'data'):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root)
                if f.endswith('.c') and re.search(r'\b(N?_|C_)\s*\(\s*"', open(path, encoding='utf-8').read()):
                    marking.add(rel)
                elif f.endswith('.ui') and 'translatable="yes"' in open(path, encoding='utf-8').read():
                    marking.add(rel)
    case('every file with marked strings is in POTFILES.in', marking <= listed,
         ['not listed: ' + f for f in sorted(marking - listed)])

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'wangge.pot')
        r = subprocess.run(['xgettext', '--from-code=UTF-8', '--add-comments', '--package-name=wangge',
                            '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
                            '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
                            '--directory=' + root, '--files-from=' + os.path.join(HERE, 'POTFILES.in'),
                            '-o', pot], capture_output=True, text=True)
        if r.returncode != 0:
            case('xgettext reads POTFILES.in', False, r.stderr.splitlines())
        else:
            have = set((e['ctx'], e['msgid']) for e in entries)
            missing = [m for m in read_entries(pot) if (m['ctx'], m['msgid']) not in have]
            case('every marked string is in zh_CN.po (%d missing)' % len(missing), not missing,
                 ['missing: ' + m['msgid'] for m in missing])

    shared = os.environ.get('WANGGE_SHARED_DIR', os.path.join(HERE, '..', '..', 'shared'))
    domain = os.path.join(shared, 'docs', 'domain.md')
    if os.path.exists(domain):
        text = open(domain, encoding='utf-8').read()
        section = text[text.index('## Glossary'):]
        original = []
        for line in section.splitlines():
            m = re.match(r'^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|$', line)
            if m and m.group(1) != 'English' and not set(m.group(1)) <= set('-'):
                original.append((m.group(1), m.group(2)))
        case('po/glossary.tsv matches the glossary of shared/docs/domain.md',
             original == glossary, ['shared has %d terms, the copy %d' % (len(original), len(glossary))])
    else:
        results.append(('po/glossary.tsv matches shared/docs/domain.md', None,
                        ['SKIP shared/docs/domain.md is not beside this checkout']))

    print('1..%d' % len(results))
    failed = 0
    for i, (name, ok, diags) in enumerate(results, 1):
        if ok is None:
            print('ok %d - %s # %s' % (i, name, diags[0]))
            continue
        print('%s %d - %s' % ('ok' if ok else 'not ok', i, name))
        for d in ([] if ok else diags[:40]):
            print('# ' + d)
        failed += 0 if ok else 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
