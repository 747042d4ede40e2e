#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes the seed corpus of fuzz-mbtiles: small MBTiles files (512-byte
# pages, so that each is a few KiB) in the shapes found in the wild.
#   tests/fuzz/make-mbtiles-corpus.py tests/fuzz/corpus/mbtiles
import os
import sqlite3
import sys

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(8)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + bytes(8)


def new(path):
    if os.path.exists(path):
        os.unlink(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size=512")
    db.execute("PRAGMA journal_mode=DELETE")
    return db


def finish(db):
    db.commit()
    db.execute("VACUUM")
    db.close()


def plain(path, tiles, metadata):
    db = new(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
    db.executemany("INSERT INTO metadata VALUES (?, ?)", metadata)
    db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
    finish(db)


def main(out):
    os.makedirs(out, exist_ok=True)
    pyramid = [(0, 0, 0, PNG)] + [(1, x, y, JPEG) for x in range(2) for y in range(2)] \
        + [(2, x, y, WEBP) for x in range(0, 4, 3) for y in range(0, 4, 3)]
    meta = [("name", "Helong"), ("format", "png"), ("bounds", "113.2,23.1,113.4,23.3"),
            ("minzoom", "0"), ("maxzoom", "2"), ("attribution", "© synthetic")]
    plain(os.path.join(out, "plain.mbtiles"), pyramid, meta)
    plain(os.path.join(out, "no-metadata-rows.mbtiles"), pyramid[:3], [])
    plain(os.path.join(out, "odd-metadata.mbtiles"),
          [(0, 0, 0, b"not an image"), (1, 0, 0, None), (1, 1, 1, "text")],
          [("bounds", "200,-100,10,5"), ("minzoom", "9"), ("maxzoom", "-3"),
           ("name", b"\xff\xfe".decode("latin-1")), ("bounds", "1,2,3")])

    # mbutil's normalised layout: tiles is a view over map and images.
    db = new(os.path.join(out, "view.mbtiles"))
    db.execute("CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT)")
    db.execute("CREATE TABLE images (tile_data BLOB, tile_id TEXT)")
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute("CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column, "
               "map.tile_row AS tile_row, images.tile_data AS tile_data "
               "FROM map JOIN images ON images.tile_id = map.tile_id")
    db.executemany("INSERT INTO map VALUES (?, ?, ?, ?)", [(0, 0, 0, "a"), (1, 0, 1, "a"), (1, 1, 0, "b")])
    db.executemany("INSERT INTO images VALUES (?, ?)", [(PNG, "a"), (JPEG, "b")])
    db.executemany("INSERT INTO metadata VALUES (?, ?)", [("minzoom", "0"), ("maxzoom", "1")])
    finish(db)

    # No metadata table at all; zooms from the tiles.
    db = new(os.path.join(out, "no-metadata-table.mbtiles"))
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(3, 5, 2, PNG), (3, 7, 7, PNG)])
    finish(db)

    # A tiles table without the expected columns.
    db = new(os.path.join(out, "wrong-columns.mbtiles"))
    db.execute("CREATE TABLE tiles (z INTEGER, x INTEGER, y INTEGER, data BLOB)")
    db.execute("INSERT INTO tiles VALUES (0, 0, 0, x'00')")
    finish(db)


if __name__ == "__main__":
    main(sys.argv[1])
