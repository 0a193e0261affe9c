#!/usr/bin/python3
"""Issue 11 items 1 and 2 through the real binary: alert kinds, root cause
first in GET /api/alerts (a three-level dependency chain), one page per
root cause at the real webhook receiver (tests/integration/notify_receiver.py)
while ten dependents fail, and the SLA alerts of an ended outage as history
(injected clock: RESOPS_CLOCK_OFFSET_FILE). TAP."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SRC, Server, Tap, received, start_receiver, wait_for  # noqa: E402

t = Tap()


def setup(srv):
    srv.signup('admin', 'adminpass')
    srv.signup('owner', 'password123', 'Business Owner')
    return srv.login('owner', 'password123')


def service(srv, tok, name, deps=(), **bia):
    r = srv.post('/api/services', dict(name=name, dependencies=list(deps), **bia), tok)
    assert r.status == 201, r
    return r.json['service_id']


def status(srv, tok, sid, st):
    r = srv.post('/api/services/%d/status' % sid, {'status': st}, tok)
    assert r.status in (200, 201), r


def open_status_alert(srv, tok, sid):
    al = [a for a in srv.get('/api/alerts', tok).json
          if a['service_id'] == sid and a['type'] == 'StatusChange' and not a['resolved']]
    return al[0] if al else None


def chain(srv, tok):
    """root Down -> mid -> leaf: kinds, order, root_cause_service_id."""
    root = service(srv, tok, 'RC Root')
    mid = service(srv, tok, 'RC Mid', [root])
    leaf = service(srv, tok, 'RC Leaf', [mid])
    crit = service(srv, tok, 'RC Classified', criticality='High', impact='Severe', rto=30, rpo=15)
    for s in (root, mid, leaf):
        status(srv, tok, s, 'Up')
    status(srv, tok, leaf, 'Down')
    status(srv, tok, mid, 'Degraded')
    a_leaf = wait_for(lambda: open_status_alert(srv, tok, leaf))
    a_mid = wait_for(lambda: open_status_alert(srv, tok, mid))
    t.ok(a_leaf and a_mid, 'StatusChange alerts raised for leaf and mid', srv.get('/api/alerts', tok).json)
    t.eq((a_leaf or {}).get('root_cause_service_id'), mid,
         'mid Degraded, root Up: the leaf is folded under mid')
    t.eq((a_mid or {}).get('root_cause_service_id'), None, 'mid itself is the root: null')
    status(srv, tok, root, 'Down')
    wait_for(lambda: open_status_alert(srv, tok, root))
    al = srv.get('/api/alerts', tok).json
    by = {(a['service_id'], a['type']): a for a in al if not a['resolved']}
    t.eq([by.get((s, 'StatusChange'), {}).get('root_cause_service_id', 'missing')
          for s in (root, mid, leaf)], [None, root, root],
         'three levels: mid and leaf folded under the upstream-most Down service, root null')
    t.ok(all(a['kind'] == 'condition' for a in al if a['type'] in ('StatusChange', 'SLA_RTO', 'SLA_RPO')),
         'StatusChange and SLA alerts are conditions', al)
    # seed 000's classification types, on the (folded) leaf and elsewhere,
    # inserted as any writer would: the kind comes from the type
    for sid, typ in ((leaf, 'Critical'), (crit, 'HighRisk')):
        srv.db_exec("INSERT INTO alert (service_id, type, message, severity, created_at) VALUES "
                    "(?, ?, 'Service is critical', 'Critical', '2026-01-01T00:00:00')", (sid, typ))
    cls = [a for a in srv.get('/api/alerts', tok).json if a['type'] in ('Critical', 'HighRisk')]
    t.ok(len(cls) == 2 and all(a['kind'] == 'classification' and a['root_cause_service_id'] is None
                               for a in cls),
         "seed 000's Critical and HighRisk alerts are classifications, never folded", cls)
    al = srv.get('/api/alerts', tok).json
    keys = [(a['created_at'], a['id']) for a in al]
    t.eq(keys, sorted(keys, reverse=True), "the API keeps seed 000's order: newest first")
    r = srv.get('/api/alerts?limit=2&offset=1', tok)
    t.ok(r.status == 200 and [a['id'] for a in r.json] == [a['id'] for a in al[1:3]]
         and {k.lower(): v for k, v in dict(r.headers).items()}.get('x-total-count') == str(len(al)), '?limit&offset and X-Total-Count still apply', r)
    status(srv, tok, root, 'Up')
    al = wait_for(lambda: [a for a in srv.get('/api/alerts', tok).json
                           if a['service_id'] == mid and a['type'] == 'StatusChange' and not a['resolved']
                           and a['root_cause_service_id'] is None])
    t.ok(al, 'root recovers: mid is no longer folded (null)', srv.get('/api/alerts', tok).json)
    t.eq(open_status_alert(srv, tok, leaf)['root_cause_service_id'], mid,
         'root recovers: the leaf is folded under mid, still Degraded')
    status(srv, tok, mid, 'Up')
    a = wait_for(lambda: open_status_alert(srv, tok, leaf)['root_cause_service_id'] is None)
    t.ok(a, 'mid recovers too: the leaf (still Down) is its own root cause (null)')
    resolved = [x for x in srv.get('/api/alerts', tok).json if x['resolved'] and x['service_id'] == root]
    t.ok(resolved and all(x['root_cause_service_id'] is None for x in resolved),
         'resolved alerts are never folded', resolved)


def pages(log):
    """The alert pages the receiver got (the machine's own metric alerts aside)."""
    try:
        with open(log) as f:
            docs = [json.loads(json.loads(line)['body']) for line in f if line.strip()]
    except FileNotFoundError:
        return []
    return [d for d in docs if d.get('source') == 'alert']


def distinct(log):
    """The pages, one per Idempotency-Key (delivery is at least once)."""
    return {r['headers'].get('idempotency-key') for r in received(log)
            if json.loads(r['body']).get('source') == 'alert'}


def recovery(p):
    return p['event'] == 'resolved' or (p['severity'] == 'Info' and p.get('previous_severity'))


def webhook():
    """One dependency with ten dependents: one page and its resolution."""
    d = tempfile.mkdtemp(prefix='resops-rc-')
    rp, port, log = start_receiver(d)
    clock = os.path.join(d, 'clock')
    with open(clock, 'w') as f:
        f.write('0')
    srv = Server(env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
                      'RESOPS_CLOCK_OFFSET_FILE': clock, 'RESOPS_NOTIFY_GROUP_WAIT_S': '30'},
                 args=['--open-signup']).start()
    try:
        tok = setup(srv)
        mq = service(srv, tok, 'Queue')
        deps = [service(srv, tok, 'Dependent %02d' % i, [mq]) for i in range(10)]
        for s in [mq] + deps:
            status(srv, tok, s, 'Up')
        # review item 9: only impaired dependents are affected, so they fail
        # first (their events wait group_wait, then fold under the root)
        for s in deps:
            status(srv, tok, s, 'Down')
        status(srv, tok, mq, 'Down')
        got = wait_for(lambda: [p for p in pages(log) if p.get('service') == 'Queue'])
        t.ok(got and got[0]['event'] == 'raised' and got[0].get('dependents_affected') == 10
             and '10 dependents affected' in got[0]['message'],
             "the root's page says 10 dependents are affected", pages(log))
        with open(clock, 'w') as f:
            f.write('60')                      # past the dependents' group_wait
        folded = wait_for(lambda: srv.db_query("SELECT count(*) FROM audit_log WHERE action = "
                                               "'Notification Folded'")[0][0] >= 10)
        t.ok(folded, "the ten dependents' notifications are folded and audited 'Notification Folded'",
             srv.db_query("SELECT action, detail FROM audit_log ORDER BY id DESC LIMIT 5"))
        t.eq(srv.db_query("SELECT count(*) FROM alert WHERE folded_under = ? AND resolved_at IS NULL",
                          (mq,))[0][0], 10, 'each folded alert records its root cause')
        for s in deps:
            status(srv, tok, s, 'Up')
        status(srv, tok, mq, 'Up')
        res = wait_for(lambda: [p for p in pages(log) if recovery(p)])
        t.ok(res and res[0]['service'] == 'Queue' and len(res[0].get('dependents', [])) == 10,
             'the resolution page lists the ten dependents', pages(log))
        with open(clock, 'w') as f:
            f.write('120')                     # past group_wait: any held event is due
        status(srv, tok, mq, 'Down')         # a second outage, to flush the queue behind it
        wait_for(lambda: len(pages(log)) >= 3)
        first = [(p['service'], 'recovery' if recovery(p) else 'page') for p in pages(log)][:3]
        t.eq(first, [('Queue', 'page'), ('Queue', 'recovery'), ('Queue', 'page')],
             'outage of one dependency with 10 dependents: exactly 1 page + 1 resolution')
        # a dependent still failing after its root recovered is paged on its own
        status(srv, tok, deps[0], 'Down')
        status(srv, tok, mq, 'Up')
        wait_for(lambda: len([p for p in pages(log) if recovery(p)]) >= 2)
        before = len(pages(log))
        t.ok(not [p for p in pages(log) if p['service'] == 'Dependent 00'],
             'no page for the dependent while group_wait runs after its root recovered', pages(log))
        with open(clock, 'w') as f:
            f.write('240')
        alone = wait_for(lambda: [p for p in pages(log) if p['service'] == 'Dependent 00'], 60)
        t.ok(alone and alone[0]['event'] == 'raised' and len(pages(log)) == before + 1,
             'group_wait after the root recovered: the still-failing dependent is paged alone, once',
             pages(log))
    finally:
        t.eq(srv.stop(), 0, 'webhook server exits cleanly')
        srv.cleanup()
        rp.terminate()
        rp.wait()


def late_root():
    """Item 1 of the issue 11 review: dependents that fail before their
    root (their events wait group_wait, then fold under it). The root's
    recovery lists them and each one still failing is paged on its own
    after group_wait; in a chain Root <- Dep1 <- Dep2 the still-failing
    Dep1 is paged (its Dep2 folded under it) and Dep1's recovery lists
    Dep2, which is paged alone after it. Nothing is lost."""
    d = tempfile.mkdtemp(prefix='resops-late-')
    rp, port, log = start_receiver(d)
    clock = os.path.join(d, 'clock')

    def at(s):
        with open(clock, 'w') as f:
            f.write(str(s))
    at(0)
    srv = Server(env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
                      'RESOPS_CLOCK_OFFSET_FILE': clock, 'RESOPS_NOTIFY_GROUP_WAIT_S': '30'},
                 args=['--open-signup']).start()
    try:
        tok = setup(srv)
        root3 = service(srv, tok, 'Root3')
        r3dep = service(srv, tok, 'R3Dep', [root3])
        root = service(srv, tok, 'Root')
        dep1 = service(srv, tok, 'Dep1', [root])
        dep2 = service(srv, tok, 'Dep2', [dep1])
        for s in (root3, r3dep, root, dep1, dep2):
            status(srv, tok, s, 'Up')
        for s in (r3dep, dep2, dep1):
            status(srv, tok, s, 'Down')
        at(10)                                 # inside the dependents' group_wait
        status(srv, tok, root3, 'Down')
        status(srv, tok, root, 'Down')
        got = wait_for(lambda: len([p for p in pages(log) if p['service'] in ('Root3', 'Root')]) >= 2)
        t.ok(got, 'both roots are paged at once', pages(log))
        at(60)                                 # the dependents' events are due: folded
        q = "SELECT count(*) FROM alert WHERE folded_under = ? AND resolved_at IS NULL"
        folded = wait_for(lambda: srv.db_query(q, (root3,))[0][0] == 1 and srv.db_query(q, (root,))[0][0] == 2)
        t.ok(folded, 'the dependents that failed first are folded under their roots',
             srv.db_query("SELECT service_id, folded_under FROM alert WHERE resolved_at IS NULL"))
        t.eq(sorted(p['service'] for p in pages(log)), ['Root', 'Root3'], 'no dependent paged while folded')
        status(srv, tok, root3, 'Up')
        status(srv, tok, root, 'Up')
        res = wait_for(lambda: {p['service']: p for p in pages(log) if recovery(p)}
                       if len([p for p in pages(log) if recovery(p)]) >= 2 else None)
        res = res or {}
        t.eq((res.get('Root3', {}).get('dependents'), res.get('Root3', {}).get('dependents_affected')),
             (['R3Dep'], 1), "Root3's recovery lists R3Dep, which failed before it")
        t.eq(res.get('Root', {}).get('dependents'), ['Dep1', 'Dep2'],
             "Root's recovery lists the whole chain")
        at(120)                                # past group_wait after the recoveries
        alone = wait_for(lambda: sorted(p['service'] for p in pages(log)
                                        if p['event'] == 'raised' and p['service'] not in ('Root3', 'Root'))
                         == ['Dep1', 'R3Dep'], 60)
        t.ok(alone, 'the still-failing R3Dep and Dep1 are paged on their own (Dep2 folded under Dep1)',
             pages(log))
        n = len(distinct(log))
        status(srv, tok, dep1, 'Up')
        d1 = wait_for(lambda: [p for p in pages(log) if p['service'] == 'Dep1' and recovery(p)])
        t.ok(d1 and d1[0].get('dependents') == ['Dep2'], "Dep1's recovery lists Dep2", pages(log))
        at(180)
        d2 = wait_for(lambda: [p for p in pages(log) if p['service'] == 'Dep2'], 60)
        t.ok(d2 and d2[0]['event'] == 'raised' and len(distinct(log)) == n + 2,
             'Dep2, still Down, is paged on its own: every dependent was paged or covered', pages(log))
    finally:
        t.eq(srv.stop(), 0, 'late-root server exits cleanly')
        srv.cleanup()
        rp.terminate()
        rp.wait()


def chain_races():
    """Item 1 in a chain Root <- Dep1 <- Dep2 when a mid service's own
    page is folded (group_wait 30 s, injected clock). A: Dep2 folded under
    Dep1, then Dep1's raise folds under Root: Dep2 moves under Root, whose
    recovery lists both. B: Dep2 folded under Dep1 whose raise was folded
    under Root; Dep1 recovers before its recheck (its recovery is folded):
    Dep2, still Down, is paged on its own."""
    d = tempfile.mkdtemp(prefix='resops-race-')
    rp, port, log = start_receiver(d)
    clock = os.path.join(d, 'clock')

    def at(s):
        with open(clock + '.tmp', 'w') as f:
            f.write(str(s))
        os.replace(clock + '.tmp', clock)
    at(0)
    srv = Server(env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
                      'RESOPS_CLOCK_OFFSET_FILE': clock, 'RESOPS_NOTIFY_GROUP_WAIT_S': '30'},
                 args=['--open-signup']).start()
    q = "SELECT folded_under FROM alert WHERE service_id = ? AND resolved_at IS NULL"

    def under(sid, root):
        return wait_for(lambda: srv.db_query(q, (sid,)) == [(root,)])
    try:
        tok = setup(srv)
        ids = {}
        for g in 'AB':
            ids[g + 'Root'] = service(srv, tok, g + 'Root')
            ids[g + '1'] = service(srv, tok, g + 'Dep1', [ids[g + 'Root']])
            ids[g + '2'] = service(srv, tok, g + 'Dep2', [ids[g + '1']])
        for sid in ids.values():
            status(srv, tok, sid, 'Up')
        # A
        status(srv, tok, ids['A2'], 'Down')          # due 30
        at(20)
        status(srv, tok, ids['A1'], 'Down')          # due 50
        at(35)
        ok = under(ids['A2'], ids['A1'])
        at(40)
        status(srv, tok, ids['ARoot'], 'Down')       # paged at once
        at(55)
        t.ok(ok and under(ids['A2'], ids['ARoot']) and under(ids['A1'], ids['ARoot']),
             "A: Dep1's raise folds under Root and Dep2 moves with it",
             srv.db_query("SELECT service_id, folded_under FROM alert WHERE resolved_at IS NULL"))
        status(srv, tok, ids['ARoot'], 'Up')
        res = wait_for(lambda: [p for p in pages(log) if p['service'] == 'ARoot' and recovery(p)])
        t.eq(res and res[0].get('dependents'), ['ADep1', 'ADep2'], "A: Root's recovery lists Dep1 and Dep2")
        # B
        at(1000)
        status(srv, tok, ids['BRoot'], 'Down')
        status(srv, tok, ids['B1'], 'Down')          # due 1030
        at(1035)
        status(srv, tok, ids['B2'], 'Down')          # due 1065
        ok = under(ids['B1'], ids['BRoot'])
        at(1040)
        status(srv, tok, ids['BRoot'], 'Up')         # Dep1's recheck due 1070
        at(1066)
        ok = ok and under(ids['B2'], ids['B1'])
        status(srv, tok, ids['B1'], 'Up')            # folded recovery: Dep2 rechecked
        at(1100)
        alone = wait_for(lambda: [p for p in pages(log) if p['service'] == 'BDep2'], 60)
        t.ok(ok and alone and alone[0]['event'] == 'raised',
             'B: Dep1 recovered while folded; Dep2, still Down, is paged on its own', pages(log))
    finally:
        t.eq(srv.stop(), 0, 'chain-race server exits cleanly')
        srv.cleanup()
        rp.terminate()
        rp.wait()


def flapping_root():
    """Item 1, a root that flaps: its outage ends with the Flapping alert's
    settled state, whose page lists the dependent folded under it; the
    dependent, still Down, is paged on its own after group_wait."""
    d = tempfile.mkdtemp(prefix='resops-flap-')
    rp, port, log = start_receiver(d)
    clock = os.path.join(d, 'clock')

    def at(s):
        with open(clock + '.tmp', 'w') as f:
            f.write(str(s))
        os.replace(clock + '.tmp', clock)
    at(0)
    srv = Server(env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port,
                      'RESOPS_CLOCK_OFFSET_FILE': clock, 'RESOPS_NOTIFY_GROUP_WAIT_S': '30',
                      'RESOPS_FLAPPING_CHANGES': '3', 'RESOPS_FLAPPING_WINDOW': '10m',
                      'RESOPS_HEARTBEAT_DEGRADED_S': '100000000',
                      'RESOPS_HEARTBEAT_DOWN_S': '200000000'},
                 args=['--open-signup', '--check-interval', '1']).start()
    try:
        tok = setup(srv)
        froot = service(srv, tok, 'FRoot')
        fdep = service(srv, tok, 'FDep', [froot])
        for s in (froot, fdep):
            status(srv, tok, s, 'Up')
        status(srv, tok, fdep, 'Down')
        for st in ('Down', 'Up', 'Down', 'Up', 'Down'):      # the 4th change starts flapping
            status(srv, tok, froot, st)
        flap = wait_for(lambda: [p for p in pages(log) if p['type'] == 'Flapping'])
        at(60)                                 # FDep's event is due: folded under FRoot
        folded = wait_for(lambda: srv.db_query("SELECT count(*) FROM alert WHERE service_id = ? AND "
                                               "folded_under = ? AND resolved_at IS NULL",
                                               (fdep, froot))[0][0] == 1)
        t.ok(flap and folded, 'flapping root: FDep, Down first, is folded under FRoot',
             srv.db_query("SELECT service_id, type, folded_under, resolved_at FROM alert"))
        status(srv, tok, froot, 'Up')
        at(60 + 660)                           # no change for the window: settled Up
        settled = wait_for(lambda: [p for p in pages(log) if p['type'] == 'Flapping' and recovery(p)])
        t.ok(settled and settled[0].get('dependents') == ['FDep'],
             "flapping root: its settled state's page lists FDep", pages(log))
        at(60 + 660 + 60)                      # past group_wait
        alone = wait_for(lambda: [p for p in pages(log) if p['service'] == 'FDep'], 60)
        t.ok(alone and alone[0]['event'] == 'raised',
             'flapping root: FDep, still Down, is paged on its own', pages(log))
    finally:
        t.eq(srv.stop(), 0, 'flapping server exits cleanly')
        srv.cleanup()
        rp.terminate()
        rp.wait()


def classifications():
    """Review item 7: a classification (kind 'classification': seed 000's
    Critical and HighRisk, raised by the engine's tick) is not paged: its
    event is kept as done, audited 'Notification Not Paged'; the
    service's StatusChange condition is paged."""
    d = tempfile.mkdtemp(prefix='resops-cls-')
    rp, port, log = start_receiver(d)
    srv = Server(env={'ALERT_WEBHOOK_URL': 'http://127.0.0.1:%d/ok' % port},
                 args=['--open-signup', '--check-interval', '1']).start()
    try:
        tok = setup(srv)
        sid = service(srv, tok, 'Classified', criticality='High', impact='Severe', rto=30, rpo=15)
        status(srv, tok, sid, 'Down')
        cls = wait_for(lambda: [a for a in srv.get('/api/alerts', tok).json
                                if a['service_id'] == sid and a['kind'] == 'classification'])
        t.ok(cls, 'the tick classifies the service (Critical or HighRisk)', srv.get('/api/alerts', tok).json)
        kept = wait_for(lambda: srv.db_query("SELECT count(*) FROM audit_log WHERE action = "
                                             "'Notification Not Paged'")[0][0] >= len(cls))
        got = wait_for(lambda: [p for p in pages(log) if p['type'] == 'StatusChange'])
        t.ok(kept and got, "classification events are kept, audited 'Notification Not Paged'; "
             "the StatusChange condition is paged", srv.db_query("SELECT action, detail FROM audit_log"))
        t.eq(sorted({p['type'] for p in pages(log)}), ['StatusChange'], 'no classification is paged')
    finally:
        t.eq(srv.stop(), 0, 'classification server exits cleanly')
        srv.cleanup()
        rp.terminate()
        rp.wait()


def sla_history():
    """An SLA alert of an outage that ends while it is open: it stays,
    saying "outage ended HH:MM, unseen", until acknowledged; then it is
    resolved (history in the SLA breaches)."""
    d = tempfile.mkdtemp(prefix='resops-sla-')
    clock = os.path.join(d, 'clock')
    with open(clock, 'w') as f:
        f.write('0')
    srv = Server(env={'RESOPS_CLOCK_OFFSET_FILE': clock},
                 args=['--open-signup', '--check-interval', '1']).start()   # the engine ticks
    try:
        tok = setup(srv)
        srv.signup('ops', 'password123', 'Ops Analyst')
        ops = srv.login('ops', 'password123')
        sid = service(srv, tok, 'SLA Svc', criticality='Low', impact='Low', rto=10, rpo=5)
        status(srv, tok, sid, 'Down')
        with open(clock, 'w') as f:
            f.write('1200')                    # 20 minutes later (next tick): over RTO and RPO

        def sla(typ):
            al = [a for a in srv.get('/api/alerts', tok).json
                  if a['service_id'] == sid and a['type'] == typ and not a['resolved']]
            return al[0] if al else None
        got = wait_for(lambda: sla('SLA_RTO') and sla('SLA_RPO'))
        t.ok(got and sla('SLA_RTO')['kind'] == 'condition' and sla('SLA_RTO')['severity'] == 'Critical',
             'a live outage over its RTO and RPO raises two Critical SLA conditions', srv.get('/api/alerts', tok).json)
        status(srv, tok, sid, 'Up')
        ended = wait_for(lambda: sla('SLA_RTO') and 'unseen' in sla('SLA_RTO')['message'])
        t.ok(ended and 'outage ended' in sla('SLA_RTO')['message'] and sla('SLA_RPO')
             and 'unseen' in sla('SLA_RPO')['message'],
             'the outage ended with nobody acknowledging: both stay open, "outage ended HH:MM, unseen"',
             srv.get('/api/alerts', tok).json)
        rto = sla('SLA_RTO')
        t.eq(srv.put('/api/alerts', {'id': rto['id'], 'acknowledged': True}, ops).status, 200, 'ack the RTO alert')
        status(srv, tok, sid, 'Up')
        gone = wait_for(lambda: sla('SLA_RTO') is None)
        t.ok(gone and sla('SLA_RPO') is not None,
             'acknowledged at last: the RTO alert is resolved (history); the unseen RPO one stays', srv.get('/api/alerts', tok).json)
        br = [b for b in srv.get('/api/alerts/sla_breaches', tok).json if b['service_id'] == sid]
        t.ok(sorted(b['type'] for b in br) == ['RPO', 'RTO'] and all(b['end_time'] for b in br),
             'both breaches stay in the SLA history with their end', br)
    finally:
        t.eq(srv.stop(), 0, 'SLA server exits cleanly')
        srv.cleanup()


def main():
    srv = Server(args=['--open-signup']).start()
    try:
        chain(srv, setup(srv))
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    webhook()
    late_root()
    chain_races()
    flapping_root()
    classifications()
    sla_history()
    t.done()


main()
