#!/usr/bin/python3
"""Issue 12, seed 003's embeddings and similarity routes (wt-vec) against
the real binary and a real SQLite file: POST /api/embeddings/{id}/embedding
(the seed's shapes, every 400 with its message, 404, 401), GET
/api/embeddings/{id}/similar?k= (order, the alert itself left out,
alpha_id = the near-duplicate group's first alert, k bounds), POST
/api/admin/embeddings/build-index (Admin, audited, the <db>.hnsw file,
the same answers from the index, alerts after the build found, the file
loaded again after a restart) and POST /api/admin/embeddings/search
(vector or text, exactly one, top_k, Admin). The alerts come in through
POST /api/ingestion/raw and the pipeline embeds them with the built-in
embedding; a second server with security.embedding_dim = 5 replays the
seed's request examples as they are.

Prints TAP. Run: RESOPS_BIN=build/resops tests/api/test_embeddings.py
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Tap, wait_for  # noqa: E402

t = Tap()
DIM = 384

ALERTS = {
    'ssh-1': {'message': 'Failed password for root from 10.0.0.1 port 22 ssh2', 'severity': 'high'},
    'ssh-2': {'message': 'Failed password for admin from 10.0.0.7 port 22 ssh2', 'severity': 'high'},
    'disk-1': {'message': 'Disk usage on /var above 90 percent on db-1', 'severity': 'low'},
    'web-1': {'message': 'Possible SQL injection attempt in /login?id=1', 'severity': 'medium'},
    'dup-0': {'message': 'Malware detected: trojan.generic in C:/Users/bob/invoice.exe',
              'severity': 'critical'},
    'dup-1': {'message': 'Malware detected: trojan.generic in C:/Users/bob/invoice.exe',
              'severity': 'critical'},
}


def triaged(srv, tok, aid):
    r = srv.get('/api/security/alerts/' + aid, tok)
    return r.json if r.status == 200 and r.json.get('stage') in ('triaged', 'failed') else None


def ingest(srv, tok, alerts):
    for aid, payload in alerts.items():
        r = srv.post('/api/ingestion/raw', {'id': aid, 'payload': payload}, tok)
        t.ok(r.status == 201, 'ingested %s' % aid, r)
    ok = wait_for(lambda: all(triaged(srv, tok, a) for a in alerts), timeout=20)
    t.ok(ok, 'the pipeline triaged (and embedded) %d alerts' % len(alerts))


def onehot(i, dim=DIM, scale=1.0):
    v = [0.0] * dim
    v[i] = scale
    return v


def seq_of(srv, aid):
    return srv.db_query('SELECT seq FROM sec_alert WHERE id = ?', (aid,))[0][0]


def similar(srv, tok, aid, k=5):
    r = srv.get('/api/embeddings/%s/similar?k=%d' % (aid, k), tok)
    return r.json if r.status == 200 else None


def similar_route(srv, admin, user):
    r = srv.get('/api/embeddings/ssh-1/similar?k=3', user)
    t.ok(r.status == 200 and isinstance(r.json, list) and len(r.json) == 3,
         'similar?k=3: 200 and three hits', r)
    hits = r.json or []
    t.ok(all(set(h) == {'alert_id', 'score', 'alpha_id'} for h in hits),
         'each hit is {alert_id, score, alpha_id}', hits)
    t.ok(hits and hits[0]['alert_id'] == 'ssh-2', 'the nearest to ssh-1 is ssh-2 (same words)', hits)
    t.ok('ssh-1' not in [h['alert_id'] for h in hits], 'the alert itself is left out', hits)
    scores = [h['score'] for h in hits]
    t.ok(scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores),
         'best first, cosines in [-1, 1]', scores)
    r = srv.get('/api/embeddings/ssh-1/similar', user)
    t.ok(r.status == 200 and len(r.json) == 5, 'k defaults to 5 (every other alert here)', r)
    r = srv.get('/api/embeddings/dup-0/similar?k=1', user)
    t.ok(r.status == 200 and r.json[0]['alert_id'] == 'dup-1' and abs(r.json[0]['score'] - 1) < 1e-3
         and r.json[0]['alpha_id'] == 'dup-0',
         'a near-duplicate scores 1 and its alpha_id is its group head', r)
    t.ok(all(h['alpha_id'] == h['alert_id'] for h in hits), 'an ungrouped hit is its own alpha', hits)
    for q in ('0', '101', 'abc', '-1', '5x'):
        r = srv.get('/api/embeddings/ssh-1/similar?k=' + q, user)
        t.ok(r.status == 400 and r.error == "Query parameter 'k' must be an integer from 1 to 100",
             'k=%s: 400' % q, r)
    r = srv.get('/api/embeddings/nope/similar', user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'an unknown alert: 404', r)
    srv.db_exec("INSERT INTO sec_alert (id, source, raw, received_at, stage) "
                "VALUES ('bare', 'raw', '{}', '2026-12-01T12:00:00', 'failed')")
    r = srv.get('/api/embeddings/bare/similar', user)
    t.ok(r.status == 404 and r.error == "Alert 'bare' has no embedding", 'an alert without a vector: 404', r)
    r = srv.get('/api/embeddings/ssh-1/similar')
    t.ok(r.status == 401 and r.error, 'no token: 401', r)


def embedding_route(srv, admin, user):
    v = onehot(7, scale=3.0)
    r = srv.post('/api/embeddings/web-1/embedding',
                 {'vector': v, 'dimension': DIM, 'meta': {'encoder': 'test-encoder', 'run': 1}}, user)
    seq = seq_of(srv, 'web-1')
    t.ok(r.status == 200 and r.json == {'ok': True, 'embedding_id': 'emb-%d' % seq, 'alert_id': 'web-1',
                                        'created_at': r.json.get('created_at')}
         and r.json['created_at'], '200 {ok, embedding_id: emb-<seq>, alert_id, created_at}', r)
    t.ok((r.json or {}).get('created_at', '').endswith('Z'), 'created_at is RFC 3339 with Z (seed 003)', r)
    row = srv.db_query('SELECT dimension, length(vector), encoder, meta FROM sec_embedding '
                       'WHERE alert_seq = ?', (seq,))
    t.eq(row, [(DIM, DIM * 4, 'test-encoder', '{"encoder":"test-encoder","run":1}')],
         'stored: float32 BLOB of the dimension, encoder and meta')
    r = srv.post('/api/admin/embeddings/search', {'vector': onehot(7), 'top_k': 1}, admin)
    t.ok(r.status == 200 and r.json['out']['results'][0]['alert_id'] == 'web-1'
         and abs(r.json['out']['results'][0]['score'] - 1) < 1e-4,
         'the new vector answers at once (cosine 1 to itself)', r)
    r = srv.post('/api/embeddings/web-1/embedding', {'vector': onehot(9)}, user)
    t.ok(r.status == 200 and r.json['embedding_id'] == 'emb-%d' % seq, 'a second POST replaces it', r)
    t.eq(srv.db_query("SELECT count(*), encoder FROM sec_embedding WHERE alert_seq = ?", (seq,)),
         [(1, 'external')], 'one row per alert; encoder "external" without meta.encoder')
    bad = [
        ({}, "Field 'vector' is required"),
        ({'vector': None}, "Field 'vector' is required"),
        ({'vector': 'x'}, "Field 'vector' must be an array of numbers"),
        ({'vector': {'a': 1}}, "Field 'vector' must be an array of numbers"),
        ({'vector': []}, "Field 'vector' must not be empty"),
        ({'vector': [0.1, 'a', 0.3]}, "vector[1] must be a number"),
        ({'vector': [0.1, None]}, "vector[1] must be a number"),
        ({'vector': [0.1, 1e39]}, "vector[1] is not a finite number"),
        ({'vector': [0.1, 0.2, 0.3], 'dimension': 5}, "dimension 5 does not match the vector's 3 values"),
        ({'vector': [0.1, 0.2, 0.3]}, "Vector dimension 3 does not match the index dimension 384"),
        ({'vector': [0.1, 0.2, 0.3], 'dimension': 3},
         "Vector dimension 3 does not match the index dimension 384"),
        ({'vector': onehot(1), 'dimension': 'x'}, "Field 'dimension' must be an integer"),
        ({'vector': onehot(1), 'meta': 'x'}, "Field 'meta' must be an object"),
        ({'vector': [0.0] * DIM}, "Vector must not be all zeros"),
        ({'vector': [0, -0.0, 1e-50] + [0] * (DIM - 3)}, "Vector must not be all zeros"),
    ]
    for body, msg in bad:
        r = srv.post('/api/embeddings/web-1/embedding', body, user)
        t.ok(r.status == 400 and r.error == msg, 'POST embedding %s: 400 %s' % (str(body)[:40], msg), r)
    r = srv.request('POST', '/api/embeddings/web-1/embedding', raw='{"vector": [1,', token=user)
    t.ok(r.status == 400 and r.error == 'Request body must be valid JSON', 'malformed JSON: 400', r)
    r = srv.post('/api/embeddings/nope/embedding', {'vector': onehot(1)}, user)
    t.ok(r.status == 404 and r.error == "Alert 'nope' not found", 'an unknown alert: 404', r)
    r = srv.post('/api/embeddings/web-1/embedding', {'vector': onehot(1)})
    t.ok(r.status == 401 and r.error, 'no token: 401', r)
    t.eq(srv.db_query("SELECT count(*) FROM sec_embedding WHERE alert_seq = ? AND vector = ?",
                      (seq, bytes(4 * 9) + b'\x00\x00\x80\x3f' + bytes(4 * (DIM - 10)))),
         [(1,)], 'the refused POSTs changed nothing (the last good vector, little-endian float32)')


def search_route(srv, admin, user):
    r = srv.post('/api/admin/embeddings/search', {'text': 'failed password for root from 10.0.0.1'}, admin)
    res = r.json['out']['results'] if r.status == 200 else []
    t.ok(r.status == 200 and r.json['ok'] is True and len(res) == 5, 'text search: 200 {ok, out: {results}}, top_k 5', r)
    t.ok(res and res[0]['alert_id'] == 'ssh-1' and res[1]['alert_id'] == 'ssh-2',
         'text search finds the alerts with those words first', res)
    t.ok(all(set(h) == {'alert_id', 'score', 'alpha_id'} for h in res), 'results are {alert_id, score, alpha_id}', res)
    r = srv.post('/api/admin/embeddings/search', {'text': 'malware trojan invoice.exe', 'top_k': 2}, admin)
    t.ok(r.status == 200 and sorted(h['alert_id'] for h in r.json['out']['results']) == ['dup-0', 'dup-1']
         and all(h['alpha_id'] == 'dup-0' for h in r.json['out']['results']),
         'top_k 2: the two duplicates, both with alpha dup-0', r)
    bad = [
        ({}, "Give exactly one of 'vector' and 'text'"),
        ({'text': 'x', 'vector': onehot(1)}, "Give exactly one of 'vector' and 'text'"),
        ({'text': None, 'vector': None}, "Give exactly one of 'vector' and 'text'"),
        ({'text': ''}, "Field 'text' must not be empty"),
        ({'text': 5}, "Field 'text' must be a string"),
        ({'text': 'x', 'top_k': 0}, "Field 'top_k' must be an integer from 1 to 100"),
        ({'text': 'x', 'top_k': 101}, "Field 'top_k' must be an integer from 1 to 100"),
        ({'text': 'x', 'top_k': 'a'}, "Field 'top_k' must be an integer"),
        ({'vector': [0.123, -0.456, 0.789], 'top_k': 5},
         "Vector dimension 3 does not match the index dimension 384"),
        ({'vector': []}, "Field 'vector' must not be empty"),
        ({'vector': [0.0] * DIM}, "Vector must not be all zeros"),
    ]
    for body, msg in bad:
        r = srv.post('/api/admin/embeddings/search', body, admin)
        t.ok(r.status == 400 and r.error == msg, 'search %s: 400 %s' % (str(body)[:40], msg), r)
    r = srv.post('/api/admin/embeddings/search', {'text': 'x'}, user)
    t.ok(r.status == 403 and r.error, 'search is for Admins: 403', r)
    r = srv.post('/api/admin/embeddings/search', {'text': 'x'})
    t.ok(r.status == 401, 'no token: 401', r)


def build_index(srv, admin, user):
    before = {a: similar(srv, user, a) for a in ('ssh-1', 'dup-0', 'disk-1')}
    r = srv.post('/api/admin/embeddings/build-index', {'limit': 10000}, user)
    t.ok(r.status == 403 and r.error, 'build-index is for Admins: 403', r)
    for body, msg in (({'limit': -1}, "Field 'limit' must be a non-negative integer"),
                      ({'limit': 'x'}, "Field 'limit' must be an integer")):
        r = srv.post('/api/admin/embeddings/build-index', body, admin)
        t.ok(r.status == 400 and r.error == msg, 'build-index %s: 400' % body, r)
    n = srv.db_query('SELECT count(*) FROM sec_embedding')[0][0]
    r = srv.post('/api/admin/embeddings/build-index', {'limit': 10000}, admin)
    t.ok(r.status == 200 and r.json['ok'] is True and r.json['out']['indexed'] == n
         and isinstance(r.json['out']['duration_ms'], int) and r.json['out']['duration_ms'] >= 0,
         'the seed example: 200 {ok, out: {indexed: %d, duration_ms}}' % n, r)
    t.ok(os.path.getsize(srv.db + '.hnsw') > n * DIM * 4, 'the index is written to <db>.hnsw')
    t.eq(srv.db_query("SELECT actor FROM audit_log WHERE action = 'Similarity Index Built'"),
         [('admin',)], 'the build is audited with its actor')
    after = {a: similar(srv, user, a) for a in before}
    t.eq([[h['alert_id'] for h in after[a]] for a in before],
         [[h['alert_id'] for h in before[a]] for a in before],
         'the index gives the same neighbours as the exact scan')
    r = srv.post('/api/admin/embeddings/build-index', None, admin)
    t.ok(r.status == 200 and r.json['out']['indexed'] == n, 'no body: every vector', r)
    # an alert after the build is added to the index as it arrives
    ingest(srv, user, {'ssh-3': {'message': 'Failed password for root from 10.0.0.1 port 2222 ssh2',
                                 'severity': 'high'}})
    hits = similar(srv, user, 'ssh-1', 1)
    t.ok(hits and hits[0]['alert_id'] == 'ssh-3', 'an alert ingested after the build is found', hits)
    return after


def restart(srv, admin, user):
    want = similar(srv, user, 'ssh-1')
    t.eq(srv.stop(), 0, 'server stops cleanly (writes the index)')
    srv.start()
    user = srv.login('uma')
    got = similar(srv, user, 'ssh-1')
    t.eq(got and [h['alert_id'] for h in got], [h['alert_id'] for h in want],
         'after a restart the same neighbours')
    t.ok(wait_for(lambda: 'similarity: index ' + srv.db + '.hnsw loaded: 7 vectors, 0 added'
                  in srv.logtext(), timeout=5),
         'the index file written at exit is loaded at start, with every vector', srv.logtext()[-2000:])
    # a corrupt file: the exact scan answers and the log says why
    t.eq(srv.stop(), 0, 'server stops again')
    with open(srv.db + '.hnsw', 'wb') as f:
        f.write(b'not an index' * 10)
    srv.start()
    user = srv.login('uma')
    got = similar(srv, user, 'ssh-1')
    t.eq(got and [h['alert_id'] for h in got], [h['alert_id'] for h in want],
         'a corrupt index file: the exact scan gives the same answer')
    t.ok(wait_for(lambda: 'is not a 384-dimension HNSW index' in srv.logtext(), timeout=5),
         'and the log says why', srv.logtext()[-1500:])


def model_vector_kept(srv, admin):
    """Re-submitting a normalized form re-embeds only a built-in vector: a
    vector a model posted stays (newcomer review, defect 8)."""
    ingest(srv, admin, {'model-1': {'message': 'model vector alert', 'source': 'syslog'}})
    v = onehot(7, scale=0.5)
    r = srv.post('/api/embeddings/model-1/embedding',
                 {'vector': v, 'meta': {'encoder': 'my-model'}}, admin)
    t.ok(r.status == 200, 'a model posts its vector', r)
    r = srv.post('/api/normalization/model-1/normalized',
                 {'original': {}, 'mappings': [],
                  'normalized': {'severity': 'high', 'title': 'resubmitted'}}, admin)
    t.ok(r.status == 200, 'a normalized form is submitted again', r)
    enc = srv.db_query('SELECT encoder FROM sec_embedding WHERE alert_seq = ?',
                       (seq_of(srv, 'model-1'),))
    t.ok(enc and enc[0][0] == 'my-model', "the model's vector is kept", enc)
    r = srv.post('/api/admin/embeddings/search', {'vector': v, 'top_k': 1}, admin)
    hits = r.json['out']['results'] if r.status == 200 else []
    t.ok(hits and hits[0]['alert_id'] == 'model-1' and hits[0]['score'] > 0.999,
         "search by the model's vector still finds the alert", r)


def seed_examples():
    srv = Server(env={'RESOPS_EMBEDDING_DIM': '5'}).start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        ingest(srv, admin, {'alert-123': {'message': 'User login failed'},
                            'alert-456': {'message': 'User login failed again'}})
        r = srv.post('/api/embeddings/alert-123/embedding',
                     {"vector": [0.123, -0.456, 0.789, 0.001, -0.002], "dimension": 5,
                      "meta": {"encoder": "sentence-transformers/all-MiniLM-L6-v2",
                               "created_by": "ingestion-worker"}}, admin)
        t.ok(r.status == 200 and r.json['ok'] is True and r.json['alert_id'] == 'alert-123'
             and r.json['embedding_id'].startswith('emb-'), 'seed example (dimension 5): 200', r)
        r = srv.post('/api/embeddings/alert-456/embedding', {"vector": [0.12, -0.45, 0.8, 0, 0]}, admin)
        r = srv.get('/api/embeddings/alert-123/similar?k=5', admin)
        want = (0.123 * 0.12 + 0.456 * 0.45 + 0.789 * 0.8) / (
            math.sqrt(0.123 ** 2 + 0.456 ** 2 + 0.789 ** 2 + 0.001 ** 2 + 0.002 ** 2) *
            math.sqrt(0.12 ** 2 + 0.45 ** 2 + 0.8 ** 2))
        t.ok(r.status == 200 and r.json == [{'alert_id': 'alert-456', 'score': round(want, 4),
                                             'alpha_id': 'alert-456'}],
             'seed example similar?k=5: [{alert_id, score: %.4f, alpha_id}]' % want, r)
        r = srv.post('/api/admin/embeddings/search', {"vector": [0.123, -0.456, 0.789], "top_k": 5}, admin)
        t.ok(r.status == 400 and r.error == 'Vector dimension 3 does not match the index dimension 5',
             'seed search example (3 values): 400 naming both numbers', r)
        r = srv.post('/api/admin/embeddings/search', {"text": "failed login from 10.0.0.1", "top_k": 5}, admin)
        t.ok(r.status == 200 and len(r.json['out']['results']) == 2, 'seed text search example: 200', r)
    finally:
        t.eq(srv.stop(), 0, 'server (dimension 5) exits cleanly')
        srv.cleanup()


def main():
    srv = Server().start()
    try:
        srv.signup('admin', 'adminpass')
        admin = srv.login('admin', 'adminpass')
        srv.signup('uma', 'password123', 'user', admin)
        user = srv.login('uma')
        t.ok(admin and user, 'an Admin and a user signed in')
        ingest(srv, user, ALERTS)
        similar_route(srv, admin, user)
        embedding_route(srv, admin, user)
        search_route(srv, admin, user)
        build_index(srv, admin, user)
        restart(srv, admin, user)
        model_vector_kept(srv, admin)
    finally:
        t.eq(srv.stop(), 0, 'server exits cleanly')
        srv.cleanup()
    seed_examples()
    t.done()


main()
