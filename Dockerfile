# Audition in a container: `audition worker` by default; `audition watch`, `build`, `enqueue`
# and `jobs` with other arguments. The Pico voices are inside the binary; espeak-ng (every
# language Pico lacks, and the phonemiser of Piper and Kokoro voices) comes from Debian.
# Shows (feeds/) and voice profiles (voices/) are copied in: jobs name show files by path,
# so every worker must see the same ones (rebuild the image, or mount them over /srv/audition).

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Dependencies first, so that a change to the sources does not refetch them.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin audition

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/audition /usr/local/bin/audition
WORKDIR /srv/audition
COPY feeds ./feeds
COPY voices ./voices
# Pico's lingware is written under $HOME/.cache on first use; the clip cache too, unless
# --cache names a bucket.
RUN useradd --create-home --uid 10001 audition
USER audition
ENTRYPOINT ["audition"]
CMD ["worker", "--lease-seconds", "120"]
