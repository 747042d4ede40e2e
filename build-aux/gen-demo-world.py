#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the synthetic Helong demo world in data/demo/.

Deterministic: the same script always writes the same bytes (fixed seed,
sorted keys, fixed float formatting).  Python 3 standard library only.

Geometry: a 9 x 7 jittered lattice over a ~4 km x 3 km street around
23.21 N, 113.29 E.  Every lattice vertex and every edge midpoint is shared by
the cells that touch it, so neighbouring grids have identical edges: no gaps,
no overlaps, and the street outline is exactly their union.  Communities
(work-station areas) are grown from 11 seeds over the cell adjacency graph and
their polygons are the union of their cells (shared edges cancelled).

Numbering rule (documented in data/demo/README.md): siblings are numbered
row-major by centroid, north to south then west to east.  Community rows are
1,000 m bands counted from the street's north edge; grid rows are lattice
rows (about 430 m).

Usage: gen-demo-world.py [OUTDIR]          write (default: data/demo)
       gen-demo-world.py --check DIR      exit 1 unless DIR holds exactly
                                          what the script would write
"""

import json
import math
import os
import random
import sys

SEED = 20231989
LAT0 = 23.1965          # south-west corner of the lattice
LON0 = 113.2705
WIDTH_M = 4000.0
HEIGHT_M = 3000.0
NX = 9
NY = 7
ADMIN = "440111"        # Baiyun district
STREET = "012"
STREET_CODE = ADMIN + STREET

M_PER_DEG_LAT = 110_750.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0 + 0.0135))

COMMUNITY_NAMES = ["鹤鸣", "龙湖", "鹤泰", "云景", "龙岗", "鹤联",
                   "金鹤", "龙兴", "鹤港", "翠龙", "鹤安"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玲红海志峰婷雪琳慧欣宇浩俊凯健晨颖嘉佳永锋春燕斌国梅兰振宏"
COMPOUNDS = ["花园", "新村", "苑", "雅居", "小区", "公寓", "家园", "广场"]

DEPARTMENTS = [
    ("police", "公安", "Police"),
    ("court", "法院", "Court"),
    ("judicial", "司法所", "Judicial office"),
    ("market", "市场监管", "Market regulation"),
    ("urban", "城管", "Urban management"),
    ("housing", "住建", "Housing and construction"),
    ("health", "卫健", "Health (mental-health doctors)"),
    ("women", "妇联", "Women's federation"),
    ("psych", "心理服务站", "Psychological service station"),
    ("fire", "消防", "Fire and rescue"),
]

# Added with the full work-order cycle: the other offices and utilities a
# Guangzhou street routes to.  Their teams, the second community police
# officer of each area and the police grids come from a generator of their
# own, so that everything above keeps its place and its values.
MORE_DEPARTMENTS = [
    # code, zh, en, stationed, team capabilities
    ("emergency", "应急管理办（三防办）", "Emergency management (flood, drought and typhoon office)", True,
     ["work_safety", "rescue", "evacuation", "flood_control"]),
    ("water", "水务所", "Water affairs (water mains and drainage)", False, ["drainage", "repair"]),
    ("migrant", "来穗人员服务管理站", "Migrant and rental-housing services", False, ["registration", "inspection"]),
    ("petition", "信访办", "Letters and visits office", True, ["reception", "mediation"]),
    ("mediation", "人民调解委员会", "People's mediation committee", True, ["mediation"]),
    ("civil", "民政办", "Civil affairs", False, ["social_assistance", "elderly_care"]),
    ("traffic", "交警中队", "Traffic police", False, ["traffic_control", "law_enforcement"]),
    ("water_supply", "自来水公司", "Water utility", False, ["repair", "water_supply"]),
    ("power", "供电所", "Power utility", False, ["repair", "power_supply"]),
    ("gas", "燃气公司", "Gas utility", False, ["repair", "hazmat"]),
    ("residents", "居委会", "Residents' committee", False, ["mediation", "publicity", "social_assistance"]),
]

rng = random.Random(SEED)


def r7(v):
    return round(v, 7)


def to_lonlat(x, y):
    return [r7(LON0 + x / M_PER_DEG_LON), r7(LAT0 + y / M_PER_DEG_LAT)]


def person_name():
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


# ---------------------------------------------------------------- geometry

def build_lattice():
    w = WIDTH_M / NX
    h = HEIGHT_M / NY
    vert = {}
    for j in range(NY + 1):
        for i in range(NX + 1):
            x, y = i * w, j * h
            bx = i in (0, NX)
            by = j in (0, NY)
            if not bx:
                x += rng.uniform(-0.15, 0.15) * w
            if not by:
                y += rng.uniform(-0.15, 0.15) * h
            # the outline is ragged too, not a ruler-straight rectangle
            if bx:
                x += rng.uniform(-0.12, 0.12) * w
            if by:
                y += rng.uniform(-0.12, 0.12) * h
            vert[(i, j)] = (x, y)
    # shared edge midpoints, pushed sideways a little
    mid = {}

    def midpoint(a, b):
        (x1, y1), (x2, y2) = vert[a], vert[b]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        off = rng.uniform(-0.08, 0.08) * length
        return ((x1 + x2) / 2 - dy / length * off, (y1 + y2) / 2 + dx / length * off)

    for j in range(NY + 1):
        for i in range(NX):
            mid[("h", i, j)] = midpoint((i, j), (i + 1, j))
    for j in range(NY):
        for i in range(NX + 1):
            mid[("v", i, j)] = midpoint((i, j), (i, j + 1))
    cells = {}
    for j in range(NY):
        for i in range(NX):
            # counter-clockwise (RFC 7946 exterior ring), x east, y north
            ring = [vert[(i, j)], mid[("h", i, j)], vert[(i + 1, j)], mid[("v", i + 1, j)],
                    vert[(i + 1, j + 1)], mid[("h", i, j + 1)], vert[(i, j + 1)], mid[("v", i, j)]]
            cells[(i, j)] = [to_lonlat(x, y) for x, y in ring]
    return cells


def ring_area(ring):
    s = 0.0
    n = len(ring)
    for k in range(n):
        x1, y1 = ring[k]
        x2, y2 = ring[(k + 1) % n]
        s += x1 * y2 - x2 * y1
    return s / 2


def ring_centroid(ring):
    a = 0.0
    cx = cy = 0.0
    n = len(ring)
    for k in range(n):
        x1, y1 = ring[k]
        x2, y2 = ring[(k + 1) % n]
        c = x1 * y2 - x2 * y1
        a += c
        cx += (x1 + x2) * c
        cy += (y1 + y2) * c
    a /= 2
    return cx / (6 * a), cy / (6 * a)


def area_m2(ring):
    return abs(ring_area(ring)) * M_PER_DEG_LON * M_PER_DEG_LAT


def segments_cross(p1, p2, p3, p4):
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)
    o1, o2 = orient(p1, p2, p3), orient(p1, p2, p4)
    o3, o4 = orient(p3, p4, p1), orient(p3, p4, p2)
    return o1 * o2 < 0 and o3 * o4 < 0


def is_simple(ring):
    n = len(ring)
    for a in range(n):
        for b in range(a + 2, n):
            if a == 0 and b == n - 1:
                continue
            if segments_cross(ring[a], ring[(a + 1) % n], ring[b], ring[(b + 1) % n]):
                return False
    return len(set(map(tuple, ring))) == n


def union_ring(rings):
    """Outline of a set of edge-sharing rings: edges used in both directions
    are interior and cancel; the rest chain into one counter-clockwise ring."""
    edges = {}
    for ring in rings:
        n = len(ring)
        for k in range(n):
            a, b = tuple(ring[k]), tuple(ring[(k + 1) % n])
            if (b, a) in edges:
                del edges[(b, a)]
            else:
                edges[(a, b)] = True
    nxt = {}
    for a, b in edges:
        if a in nxt:
            raise ValueError("pinched outline")
        nxt[a] = b
    start = min(nxt)
    out = [start]
    cur = nxt[start]
    while cur != start:
        out.append(cur)
        cur = nxt[cur]
    if len(out) != len(nxt):
        raise ValueError("outline with holes or several parts")
    # drop vertices where the outline runs straight on (only possible at
    # lattice corners of the union, harmless either way); keep them: the
    # shared vertices make the union's edges identical to its cells' edges.
    return [list(p) for p in out]


def grow_communities(cells):
    seeds = [(1, 1), (3, 1), (5, 1), (7, 1), (2, 3), (4, 3), (6, 3), (1, 5), (3, 5), (5, 5), (7, 5)]
    owner = {s: k for k, s in enumerate(seeds)}
    members = [[s] for s in seeds]
    total = NX * NY
    while len(owner) < total:
        order = sorted(range(len(seeds)), key=lambda k: (len(members[k]), k))
        for k in order:
            frontier = set()
            for (i, j) in members[k]:
                for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    c = (i + di, j + dj)
                    if 0 <= c[0] < NX and 0 <= c[1] < NY and c not in owner:
                        frontier.add(c)
            if frontier:
                sx, sy = seeds[k]
                c = min(frontier, key=lambda c: ((c[0] - sx) ** 2 + (c[1] - sy) ** 2, c))
                owner[c] = k
                members[k].append(c)
                break
    return members


# ---------------------------------------------------------------- main

def main():
    args = sys.argv[1:]
    if args and args[0] == "--check":
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp)
            bad = []
            for name in sorted(os.listdir(tmp)):
                with open(os.path.join(tmp, name), "rb") as a:
                    want = a.read()
                try:
                    with open(os.path.join(args[1], name), "rb") as b:
                        have = b.read()
                except OSError:
                    have = None
                if have != want:
                    bad.append(name)
            if bad:
                print("differs from the generator's output: " + ", ".join(bad))
                sys.exit(1)
            print("data matches the generator")
        return
    generate(args[0] if args else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "data", "demo"))


def generate(outdir):
    rng.seed(SEED)
    os.makedirs(outdir, exist_ok=True)

    cells = build_lattice()
    for key, ring in cells.items():
        assert is_simple(ring), key
    groups = grow_communities(cells)

    # community order: 1,000 m row bands from the north edge, then west to east
    top_lat = LAT0 + HEIGHT_M / M_PER_DEG_LAT

    def band_key(ring, band_m):
        cx, cy = ring_centroid(ring)
        return (int((top_lat - cy) * M_PER_DEG_LAT // band_m), cx)

    comm = []
    for g in groups:
        ring = union_ring([cells[c] for c in g])
        comm.append((band_key(ring, 1000.0), g, ring))
    comm.sort(key=lambda t: t[0])

    street_ring = union_ring(list(cells.values()))
    features = []
    grids = []          # (code, name, cell, community index)
    communities = []
    for ci, (_, g, ring) in enumerate(comm):
        ccode = STREET_CODE + "%03d" % (ci + 1)
        name = COMMUNITY_NAMES[ci] + "社区"
        # grids: lattice row from the north, then west to east
        ordered = sorted(g, key=lambda c: (NY - 1 - c[1], c[0]))
        mine = []
        for gi, c in enumerate(ordered):
            code = ccode + "%03d" % (gi + 1)
            mine.append(code)
            grids.append((code, "%s第%d网格" % (name, gi + 1), c, ci))
        communities.append((ccode, name, ring, mine))

    n_grids = len(grids)
    assert n_grids == 63

    # 14,700 registered volunteers, counted per grid (not tracked one by one);
    # a separate generator so that the rest of the data does not shift
    vrng = random.Random(SEED + 1)
    shares = [vrng.uniform(0.6, 1.4) for _ in grids]
    volunteers = [int(14700 * w / sum(shares)) for w in shares]
    for k in range(14700 - sum(volunteers)):
        volunteers[k % n_grids] += 1
    assert sum(volunteers) == 14700

    # ---------------------------------------------------- forces
    forces = []

    def rand_point_in(ring):
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        while True:
            x = rng.uniform(min(xs), max(xs))
            y = rng.uniform(min(ys), max(ys))
            if point_in_ring(x, y, ring):
                return r7(y), r7(x)

    def point_in_ring(x, y, ring):
        inside = False
        n = len(ring)
        for k in range(n):
            x1, y1 = ring[k]
            x2, y2 = ring[(k + 1) % n]
            if (y1 > y) != (y2 > y):
                xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if x < xi:
                    inside = not inside
        return inside

    # work stations: inside the community, in the member cell nearest its centroid
    stations = []
    for ci, (ccode, name, ring, mine) in enumerate(communities):
        cx, cy = ring_centroid(ring)
        best = min(mine, key=lambda code: (
            (ring_centroid(cells[grids_by_code(grids, code)[2]])[0] - cx) ** 2 +
            (ring_centroid(cells[grids_by_code(grids, code)[2]])[1] - cy) ** 2, code))
        # near the middle of that grid, well clear of its edges
        ring = cells[grids_by_code(grids, best)[2]]
        gx, gy = ring_centroid(ring)
        while True:
            lon = r7(gx + rng.uniform(-0.08, 0.08) * WIDTH_M / NX / M_PER_DEG_LON)
            lat = r7(gy + rng.uniform(-0.08, 0.08) * HEIGHT_M / NY / M_PER_DEG_LAT)
            if point_in_ring(lon, lat, ring):
                break
        stations.append({
            "code": ccode,
            "name_zh": name + "工作站",
            "name_en": "%s work station" % ccode[-3:],
            "grid": ccode,
            "lat": lat, "lon": lon,
            "leader": "gl-%02d" % (ci + 1),
        })

    responsible = {code: [] for code, _, _, _ in grids}
    for ccode, _, _, _ in communities:
        responsible[ccode] = []
    responsible[STREET_CODE] = []

    for gi, (code, gname, c, ci) in enumerate(grids):
        lat, lon = rand_point_in(cells[c])
        fid = "gw-%02d" % (gi + 1)
        forces.append({
            "id": fid, "type": "grid_worker",
            "name_zh": person_name(), "grid": code,
            "lat": lat, "lon": lon,
            "speed": "bicycle" if gi % 3 == 0 else "foot",
            "capabilities": ["patrol", "report", "first_aid", "mediation"],
            "account": "worker-%02d" % (gi + 1),
        })
        responsible[code].append(fid)

    for ci, st in enumerate(stations):
        fid = "gl-%02d" % (ci + 1)
        forces.append({
            "id": fid, "type": "grid_leader",
            "name_zh": person_name(), "station": st["code"],
            "lat": st["lat"], "lon": st["lon"],
            "speed": "bicycle",
            "capabilities": ["command", "mediation", "evacuation"],
            "account": "gridleader-%02d" % (ci + 1),
        })
        responsible[st["code"]].append(fid)
        for code in communities[ci][3]:
            responsible[code].append(fid)

    five = [("party_group", "党小组长", ["mobilise"]),
            ("deliberation", "议事长", ["mediation"]),
            ("supervision", "监事长", ["inspection"]),
            ("police", "警长", ["patrol", "public_order"]),
            ("building", "楼栋长", ["evacuation", "report"])]
    n = 0
    for gi, (code, gname, c, ci) in enumerate(grids):
        for kind, title, caps in five:
            n += 1
            lat, lon = rand_point_in(cells[c])
            fid = "fh-%03d" % n
            forces.append({
                "id": fid, "type": "five_head", "sub_kind": kind,
                "name_zh": person_name(), "title_zh": title, "grid": code,
                "lat": lat, "lon": lon, "speed": "foot",
                "capabilities": caps,
                # five heads are volunteers without a console: their grid
                # worker reports and acknowledges for them
                "account": "worker-%02d" % (gi + 1),
            })
            responsible[code].append(fid)

    for ci, st in enumerate(stations):
        fid = "cp-%02d" % (ci + 1)
        forces.append({
            "id": fid, "type": "community_police",
            "name_zh": person_name(), "station": st["code"],
            "lat": st["lat"], "lon": st["lon"], "speed": "car",
            "capabilities": ["law_enforcement", "public_order", "traffic_control", "search"],
            "account": "police-%02d" % (ci + 1),
        })
        responsible[st["code"]].append(fid)
        for code in communities[ci][3]:
            responsible[code].append(fid)
    for ci, st in enumerate(stations):
        for k in range(2):
            fid = "ap-%02d" % (ci * 2 + k + 1)
            lat, lon = rand_point_in(communities[ci][2])
            forces.append({
                "id": fid, "type": "auxiliary_police",
                "name_zh": person_name(), "station": st["code"],
                "lat": lat, "lon": lon, "speed": "bicycle",
                "capabilities": ["public_order", "traffic_control", "search"],
                "account": "aux-%02d" % (ci * 2 + k + 1),
            })

    # minimal emergency units: standing teams at compounds, 16 of them
    picks = sorted(rng.sample(range(n_grids), 16))
    for k, gi in enumerate(picks):
        code, gname, c, ci = grids[gi]
        lat, lon = rand_point_in(cells[c])
        compound = COMMUNITY_NAMES[ci] + rng.choice(COMPOUNDS)
        forces.append({
            "id": "eu-%02d" % (k + 1), "type": "emergency_unit",
            "name_zh": compound + "最小应急单元", "grid": code,
            "lat": lat, "lon": lon, "speed": "foot", "members": rng.randint(4, 8),
            "capabilities": ["first_aid", "fire_extinguish", "evacuation", "rescue"],
            "account": "unit-eu-%02d" % (k + 1),
        })

    centre_lat, centre_lon = rand_point_in(
        cells[min(cells, key=lambda c: ((c[0] - NX // 2) ** 2 + (c[1] - NY // 2) ** 2, c))])

    dept_caps = {
        "police": ["law_enforcement", "public_order", "search", "traffic_control"],
        "court": ["mediation", "adjudication"],
        "judicial": ["mediation", "legal_aid"],
        "market": ["inspection", "law_enforcement"],
        "urban": ["law_enforcement", "inspection", "drainage"],
        "housing": ["building_inspection", "repair"],
        "health": ["mental_health", "first_aid"],
        "women": ["family_support", "mediation"],
        "psych": ["counselling", "mental_health"],
        "fire": ["fire_extinguish", "rescue", "hazmat"],
    }
    departments = []
    for code, zh, en in DEPARTMENTS:
        departments.append({"code": code, "name_zh": zh, "name_en": en,
                            "account": "dept-" + code,
                            "stationed": code in ("police", "court", "judicial", "market")})
        forces.append({
            "id": "dt-" + code, "type": "department_team",
            "name_zh": zh + "工作组", "department": code, "station": None,
            "lat": r7(centre_lat + rng.uniform(-0.002, 0.002)),
            "lon": r7(centre_lon + rng.uniform(-0.002, 0.002)),
            "speed": "car", "capabilities": dept_caps[code],
            "account": "dept-" + code,
        })

    xrng = random.Random(SEED + 2)
    for code, zh, en, stationed, caps in MORE_DEPARTMENTS:
        departments.append({"code": code, "name_zh": zh, "name_en": en,
                            "account": "dept-" + code, "stationed": stationed})
        forces.append({
            "id": "dt-" + code, "type": "department_team",
            "name_zh": zh + "工作组", "department": code, "station": None,
            "lat": r7(centre_lat + xrng.uniform(-0.002, 0.002)),
            "lon": r7(centre_lon + xrng.uniform(-0.002, 0.002)),
            "speed": "car", "capabilities": caps,
            "account": "dept-" + code,
        })

    for ci, st in enumerate(stations):
        forces.append({
            "id": "vt-%02d" % (ci + 1), "type": "volunteer_team",
            "name_zh": communities[ci][1] + "志愿服务队", "station": st["code"],
            "lat": st["lat"], "lon": st["lon"], "speed": "foot",
            "members": sum(volunteers[gi] for gi, g in enumerate(grids) if g[3] == ci),
            "capabilities": ["search", "evacuation", "publicity"],
            "account": "gridleader-%02d" % (ci + 1),
        })

    # ---------------------------------------------------- police grids
    # Panlong's dual grid (双网融合): police grids drawn along the governance
    # grids' edges, each a whole number of comprehensive grids, two per
    # community, each with its community police officer (社区民警) and an
    # auxiliary (辅警).  SYNTHETIC like the rest: Helong publishes no police
    # grids; this shows the model.
    police_grids = []
    for ci, (ccode, cname, cring, mine) in enumerate(communities):
        halves = split_in_two([grids_by_code(grids, code)[2] for code in mine],
                              lambda part: union_ring([cells[c] for c in part]))
        for k, half in enumerate(halves):
            pcode = "%sJW%02d" % (ccode, k + 1)
            members = [code for code in mine if grids_by_code(grids, code)[2] in half]
            pring = union_ring([cells[c] for c in half])
            if k == 0:
                officer = "cp-%02d" % (ci + 1)
            else:
                # the second officer of the area keeps the police grid's
                # office (警务室), inside it
                officer = "cp-%02d" % (len(stations) + ci + 1)
                xs = [p[0] for p in pring]
                ys = [p[1] for p in pring]
                while True:
                    lon = r7(xrng.uniform(min(xs), max(xs)))
                    lat = r7(xrng.uniform(min(ys), max(ys)))
                    if point_in_ring(lon, lat, pring):
                        break
                forces.append({
                    "id": officer, "type": "community_police",
                    "name_zh": xrng.choice(SURNAMES) + xrng.choice(GIVEN) + xrng.choice(GIVEN),
                    "station": ccode,
                    "lat": lat, "lon": lon, "speed": "car",
                    "capabilities": ["law_enforcement", "public_order", "traffic_control", "search"],
                    "account": "police-%02d" % (len(stations) + ci + 1),
                })
                responsible[ccode].append(officer)
                for code in members:
                    responsible[code].append(officer)
            police_grids.append({
                "type": "Feature",
                "properties": {"code": pcode, "name_zh": "%s第%d警务网格" % (cname, k + 1),
                               "station": ccode, "grids": members,
                               "police": [officer, "ap-%02d" % (ci * 2 + k + 1)]},
                "geometry": {"type": "Polygon", "coordinates": [pring + [pring[0]]]}})

    # ---------------------------------------------------- grids.geojson
    def feature(code, name, level, parent, ring, kind, extra=None):
        props = {"code": code, "name_zh": name, "level": level, "parent": parent,
                 "kind": kind, "responsible": responsible.get(code, [])}
        if extra:
            props.update(extra)
        return {"type": "Feature",
                "properties": props,
                "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}

    features.append(feature(STREET_CODE, "鹤龙街道", 1, None, street_ring, "street"))
    for ccode, name, ring, mine in communities:
        features.append(feature(ccode, name, 2, STREET_CODE, ring, "community"))
    for code, gname, c, ci in grids:
        features.append(feature(code, gname, 3, communities[ci][0], cells[c], "grid",
                                {"households": rng.randint(700, 1500),
                                 "volunteers": volunteers[grids.index((code, gname, c, ci))]}))

    geo = {"type": "FeatureCollection",
           "name": "helong-grids",
           "synthetic": True,
           "note": "SYNTHETIC geometry for demos and tests; not the real Helong grid boundaries.",
           "features": features}

    # ---------------------------------------------------- categories
    P, G, E = "professional", "general", "emergency"

    def lim(grade, a=None, f=None):
        if grade == E:
            return {"ack_seconds": 60, "dispatch_minutes": 3, "on_scene_minutes": a or 15}
        if grade == P:
            return {"accept_hours": a or 2, "feedback_hours": f or 24}
        return {"handle_hours": a or 4}

    cats = [
        # code, zh, en, grade, dept, class, weight, limits, plan
        ("dispute_rental", "租赁纠纷", "Rental dispute", P, "judicial", "dispute", 300, lim(P, 2, 40), None),
        ("dispute_family", "家庭纠纷", "Family dispute", P, "women", "dispute", 200, lim(P, 2, 40),
         [("community_police", 1), ("grid_leader", 1), ("grid_worker", 1)]),
        ("dispute_emotional", "情感纠纷", "Emotional dispute", P, "psych", "dispute", 110, lim(P, 2, 40), None),
        ("dispute_labour", "劳资纠纷", "Labour (wage) dispute", P, "judicial", "dispute", 180, lim(P, 2, 40),
         [("community_police", 2), ("auxiliary_police", 4), ("grid_leader", 1), ("department_team", 1)]),
        ("dispute_neighbour", "邻里纠纷", "Neighbour dispute", P, "mediation", "dispute", 80, lim(P, 2, 40), None),
        ("dispute_property", "物业纠纷", "Property-management dispute", P, "housing", "dispute", 40, lim(P, 4, 72), None),
        ("risk_special_person", "特殊人群风险", "Special-population risk (mental health)", P, "health", "risk", 70,
         lim(P, 1, 16), [("community_police", 1), ("department_team", 1), ("grid_worker", 1)]),
        ("risk_public_security", "治安隐患", "Public-security hazard", P, "police", "risk", 160, lim(P, 1, 16), None),
        ("risk_fire_hazard", "消防安全隐患", "Fire-safety hazard", P, "fire", "risk", 420, lim(P, 2, 24), None),
        ("risk_gas", "燃气安全隐患", "Gas-safety hazard", P, "gas", "risk", 120, lim(P, 1, 16),
         [("emergency_unit", 1), ("department_team", 1), ("grid_worker", 1)]),
        ("risk_building", "房屋安全隐患", "Unsafe building", P, "housing", "risk", 150, lim(P, 2, 40),
         [("emergency_unit", 2), ("grid_leader", 1), ("department_team", 1)]),
        ("risk_work_safety", "安全生产隐患", "Workplace-safety hazard", P, "emergency", "risk", 140, lim(P, 2, 40), None),
        ("risk_food", "食品安全隐患", "Food-safety hazard", P, "market", "risk", 180, lim(P, 2, 24), None),
        ("ebike_charging", "电动车违规充电", "Illegal e-bike charging", G, "fire", "risk", 380, lim(G), None),
        ("illegal_structure", "违法建设", "Illegal structure", P, "urban", "urban", 480, lim(P, 4, 80), None),
        ("street_vendor", "占道经营", "Street vending on the road", G, "urban", "urban", 760, lim(G), None),
        ("garbage", "垃圾乱堆放", "Garbage dumping", G, "urban", "urban", 880, lim(G), None),
        ("fire_lane_blocked", "消防通道堵塞", "Blocked fire lane", G, "fire", "urban", 420, lim(G), None),
        ("road_damage", "道路破损", "Damaged road", P, "urban", "urban", 240, lim(P, 4, 80), None),
        ("streetlight", "路灯故障", "Streetlight out", P, "urban", "urban", 200, lim(P, 4, 40), None),
        ("noise", "噪音扰民", "Noise nuisance", G, "urban", "urban", 260, lim(G), None),
        ("water_leak", "供水管道漏水", "Water-main leak", P, "water", "urban", 150, lim(P, 2, 24), None),
        ("drain_blocked", "排水管道堵塞", "Blocked drain", P, "water", "urban", 210, lim(P, 2, 24), None),
        ("unlicensed_business", "无证经营", "Unlicensed business", P, "market", "urban", 190, lim(P, 4, 80), None),
        ("rental_registration", "出租屋信息登记", "Rental-housing registration", G, "migrant", "service", 870, lim(G, 24), None),
        ("population_info", "人口信息采集", "Population records (three clears)", G, "police", "service", 800, lim(G, 24), None),
        ("hardship_help", "困难群众帮扶", "Help for people in hardship", P, "civil", "service", 80, lim(P, 4, 80), None),
        ("power_outage", "停电故障", "Power outage", P, "power", "urban", 70, lim(P, 1, 8), None),
        ("water_outage", "停水故障", "Water-supply outage", P, "water_supply", "urban", 60, lim(P, 1, 8), None),
        ("epidemic_prevention", "卫生防疫", "Public-health prevention", P, "health", "service", 50, lim(P, 2, 24), None),
        ("domestic_violence", "家庭暴力", "Domestic violence", P, "police", "risk", 20, lim(P, 1, 8),
         [("community_police", 2), ("grid_worker", 1), ("department_team", 1)]),
        ("fire", "火灾", "Fire", E, "fire", "emergency", 12, lim(E, 10),
         [("emergency_unit", 2), ("community_police", 1), ("grid_leader", 1), ("grid_worker", 1),
          ("department_team", 1)]),
        ("flood", "内涝积水", "Urban flooding", E, "emergency", "emergency", 10, lim(E, 20),
         [("emergency_unit", 2), ("grid_worker", 2), ("department_team", 1)]),
        ("crowd", "人员聚集", "Crowd gathering", E, "police", "emergency", 6, lim(E, 10),
         [("community_police", 2), ("auxiliary_police", 4), ("grid_leader", 1)]),
        ("missing_person", "人员走失", "Missing person", E, "police", "emergency", 10, lim(E, 15),
         [("grid_worker", 3), ("community_police", 1), ("auxiliary_police", 2), ("volunteer_team", 1)]),
        ("traffic_accident", "交通事故", "Traffic accident", E, "traffic", "emergency", 14, lim(E, 10),
         [("community_police", 1), ("auxiliary_police", 1), ("emergency_unit", 1)]),
        ("gas_leak", "燃气泄漏", "Gas leak", E, "gas", "emergency", 5, lim(E, 10),
         [("emergency_unit", 1), ("department_team", 1), ("community_police", 1), ("grid_worker", 1)]),
        ("building_collapse", "房屋倒塌", "Building collapse", E, "housing", "emergency", 2, lim(E, 15),
         [("emergency_unit", 3), ("community_police", 1), ("department_team", 1), ("grid_leader", 1)]),
        ("fight", "打架斗殴", "Fight", E, "police", "emergency", 14, lim(E, 10),
         [("community_police", 1), ("auxiliary_police", 2)]),
        ("medical_emergency", "突发疾病", "Medical emergency", E, "health", "emergency", 10, lim(E, 10),
         [("emergency_unit", 1), ("grid_worker", 1)]),
        ("typhoon_damage", "台风灾害", "Typhoon damage", E, "emergency", "emergency", 3, lim(E, 20),
         [("emergency_unit", 2), ("grid_leader", 1), ("volunteer_team", 1), ("department_team", 1)]),
        ("extreme_act", "个人极端行为", "Person at risk of an extreme act", E, "police", "emergency", 3, lim(E, 10),
         [("community_police", 2), ("auxiliary_police", 2), ("department_team", 1)]),
    ]
    # Co-handling departments (协办): domestic violence is led by the
    # police, the women's federation assisting.
    co_departments = {"domestic_violence": ["women"]}
    # Registration rounds of the grid worker ("three clears") have no
    # resident waiting for an answer: no call-back.
    no_call_back = ("rental_registration", "population_info")

    categories = []
    for code, zh, en, grade, dept, klass, weight, limits, plan in cats:
        c = {"code": code, "name_zh": zh, "name_en": en, "grade": grade,
             "department": dept, "class": klass, "weight": weight, "limits": limits}
        if code in co_departments:
            c["co_departments"] = co_departments[code]
        # disputes are mediated in the grid first (小事不出网格)
        c["mediate_first"] = klass == "dispute"
        # absent: by source (hotline and walk-in cases are called back)
        if code in no_call_back:
            c["call_back"] = False
        # a public display shows category and grid only (disputes and
        # petitions are by their class)
        if code == "domestic_violence":
            c["sensitive"] = True
        if plan:
            # the grid's own worker is there first, whatever else comes
            plan = ([s for s in plan if s[0] == "grid_worker"] or [("grid_worker", 1)]) + \
                [s for s in plan if s[0] != "grid_worker"]
            c["response_plan"] = [{"type": t, "count": n} for t, n in plan]
        categories.append(c)

    # ---------------------------------------------------- roster
    leaders = [("leader", "张建华", "街道党工委副书记"),
               ("leader-2", "李文斌", "街道办事处副主任"),
               ("leader-3", "陈秀英", "街道政法委员"),
               ("leader-4", "黄志峰", "街道办事处副主任")]
    roster = {
        "shifts": [{"code": "day", "name_zh": "白班", "start": "08:00", "end": "20:00"},
                   {"code": "night", "name_zh": "夜班", "start": "20:00", "end": "08:00"}],
        "duty_leaders": [{"account": a, "name_zh": n, "title_zh": t} for a, n, t in leaders],
        # day d after the anchor date uses pattern[d mod len]: one account per shift
        "rotation": {"anchor": "2025-01-01",
                     "pattern": [["leader", "leader-2"], ["leader-3", "leader-4"],
                                 ["leader-2", "leader"], ["leader-4", "leader-3"]]},
        "covering": [{"station": st["code"], "account": "street-leader-%02d" % (k + 1),
                      "name_zh": person_name(), "title_zh": "挂片街道领导"}
                     for k, st in enumerate(stations)],
        "chief": {"account": "chief", "name_zh": "罗国强", "title_zh": "街道党工委书记、总网格长"},
        "escalation": {"covering_after_seconds": 60, "chief_after_seconds": 180},
    }

    world = {
        "format": "wangge-world/1",
        "synthetic": True,
        "note": "SYNTHETIC demo world modelled on the published Helong figures; geometry, names and people are invented.",
        "name_zh": "鹤龙街道", "name_en": "Helong Street",
        "street_code": "HL", "admin_code": STREET_CODE,
        "district_zh": "广州市白云区",
        "time_zone": "Asia/Shanghai",
        "centre": {"name_zh": "鹤龙街网格中心", "name_en": "Helong grid centre",
                   "grid": STREET_CODE, "lat": centre_lat, "lon": centre_lon},
        "calendar": {
            "work_week": [1, 2, 3, 4, 5],
            "work_hours": [{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "17:30"}],
            # public holidays and the weekend days worked in exchange (调休)
            "holidays": [
                "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01",
                "2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06",
                "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31",
                "2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04",
                "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08",
                "2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17",
                "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
                "2026-04-04", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03",
                "2026-05-04", "2026-05-05", "2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25",
                "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                "2026-10-05", "2026-10-06", "2026-10-07"],
            "workdays": ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
                         "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                         "2026-10-10"],
        },
        # the Helong 2023 figures the history generator aims for
        # (its 24 legal-education activities are not grid events)
        "history": {"events_per_year": 7989, "closure_rate": 0.9997, "disputes_per_year": 900},
    }

    stations_doc = {"synthetic": True, "stations": stations}
    forces_doc = {"synthetic": True, "forces": forces}

    def dump(name, obj):
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=False)
            f.write("\n")

    dump("world.json", world)
    dump("grids.geojson", geo)
    dump("stations.json", stations_doc)
    dump("forces.json", forces_doc)
    dump("departments.json", {"departments": departments})
    dump("categories.json", {"categories": categories})
    dump("roster.json", roster)
    dump("police_grids.geojson", {
        "type": "FeatureCollection", "name": "helong-police-grids", "synthetic": True,
        "note": "SYNTHETIC police grids (警务网格) showing Panlong's dual grid on the demo street; "
                "Helong publishes none.",
        "features": police_grids})

    total = sum(area_m2(r) for r in cells.values())
    print("grids %d, street %.2f km2 (sum of grids %.2f km2), grid area %.0f..%.0f m2, forces %d" % (
        n_grids, area_m2(street_ring) / 1e6, total / 1e6,
        min(area_m2(r) for r in cells.values()), max(area_m2(r) for r in cells.values()), len(forces)),
        file=sys.stderr)
    print("community sizes", [len(m) for _, _, _, m in communities], file=sys.stderr)


def split_in_two(cells, outline):
    """Two connected halves of a connected set of lattice cells, for the
    police grids: the first cut (west/east by column, then north/south by
    row) whose halves are both connected and both have a single outline."""
    cells = sorted(cells)

    def connected(part):
        part = set(part)
        todo = [min(part)]
        seen = set(todo)
        while todo:
            i, j = todo.pop()
            for c in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                if c in part and c not in seen:
                    seen.add(c)
                    todo.append(c)
        return seen == part

    n = len(cells)
    for key in (lambda c: (c[0], -c[1]), lambda c: (-c[1], c[0])):  # columns, rows
        order = sorted(cells, key=key)
        for cut in sorted(range(1, n), key=lambda m: (abs(2 * m - n), m)):
            a, b = order[:cut], order[cut:]
            if connected(a) and connected(b):
                try:
                    outline(a)
                    outline(b)
                except ValueError:
                    continue
                return [a, b]
    raise ValueError("no split in two for %r" % (cells,))


def grids_by_code(grids, code):
    for g in grids:
        if g[0] == code:
            return g
    raise KeyError(code)


if __name__ == "__main__":
    main()
