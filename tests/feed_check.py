"""Parses a podcast feed with two real podcast parsers and prints what they read, as JSON.

Used by tests/build.rs: gPodder's `podcastparser` and `feedparser` (PyPI). Exits 3 with a
hint when they are not installed.
"""
import json
import sys

try:
    import feedparser
    import podcastparser
except ImportError as error:
    print(f"missing Python package ({error}); run: pip install podcastparser feedparser", file=sys.stderr)
    sys.exit(3)


def main(path):
    with open(path, "rb") as feed:
        pp = podcastparser.parse("https://podcast.example.com/feed.xml", feed)
    fp = feedparser.parse(path)
    print(json.dumps({
        "podcastparser": {
            "title": pp.get("title"),
            "episodes": [
                {
                    "title": e.get("title"),
                    "guid": e.get("guid"),
                    "total_time": e.get("total_time"),
                    "published": e.get("published"),
                    "enclosures": [
                        {"url": x["url"], "file_size": x["file_size"], "mime_type": x["mime_type"]}
                        for x in e.get("enclosures", [])
                    ],
                }
                for e in pp.get("episodes", [])
            ],
        },
        "feedparser": {
            "bozo": bool(fp.bozo),
            "bozo_exception": str(fp.get("bozo_exception", "")),
            "title": fp.feed.get("title"),
            "language": fp.feed.get("language"),
            "image": fp.feed.get("image", {}).get("href"),
            "entries": [
                {
                    "id": e.get("id"),
                    "title": e.get("title"),
                    "itunes_duration": e.get("itunes_duration"),
                    "enclosures": [
                        {"href": l.get("href"), "length": l.get("length"), "type": l.get("type")}
                        for l in e.get("enclosures", [])
                    ],
                }
                for e in fp.entries
            ],
        },
    }))


if __name__ == "__main__":
    main(sys.argv[1])
