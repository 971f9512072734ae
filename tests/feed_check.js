// Parses a podcast feed with podcast-partytime (the Podcast Index parser, npm) and prints
// what it read as JSON. Used by tests/build.rs; installed by scripts/install-deps into
// tests/node_modules. Exits 3 with a hint when it is not installed.
const fs = require("fs");

let parseFeed;
try {
  ({ parseFeed } = require("podcast-partytime"));
} catch (error) {
  console.error("missing npm package podcast-partytime; run: npm install --prefix tests --no-save podcast-partytime@5");
  process.exit(3);
}

const feed = parseFeed(fs.readFileSync(process.argv[2], "utf8"), Date.now());
if (!feed) {
  console.error("podcast-partytime could not parse the feed");
  process.exit(1);
}
console.log(
  JSON.stringify({
    title: feed.title,
    guid: feed.guid,
    language: feed.language,
    items: feed.items.map((item) => ({
      guid: item.guid,
      title: item.title,
      duration: item.duration,
      enclosure: item.enclosure,
      chapters: item.podcastChapters,
      transcripts: item.podcastTranscripts,
      people: item.podcastPeople,
    })),
  })
);
