# syntax=docker/dockerfile:1
# kubeattest as a container image: one static (musl) binary on distroless `static`, run as the
# fixed non-root UID 65532, no shell, no package manager. It writes only to the report volume
# (/reports, the working directory) and /tmp, so it runs with a read-only root filesystem.
#
#   docker build -t kubeattest:0.1.0 .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/reports:/reports" kubeattest:0.1.0 scan --demo --out-root /reports
#
# Both stages are pinned by tag; pin them by digest (`image@sha256:…`) for reproducible builds.

FROM rust:1.95-bookworm AS build
# musl-gcc builds the C parts (ring) for the musl target.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target x86_64-unknown-linux-musl \
 && install -D -m 0555 target/x86_64-unknown-linux-musl/release/kubeattest /out/kubeattest \
 && install -d -m 0750 /out/reports

FROM gcr.io/distroless/static-debian12:nonroot
# The report folder, owned by the runtime user (mount a volume here in a read-only pod).
COPY --from=build --chown=65532:65532 /out/reports /reports
COPY --from=build /out/kubeattest /usr/local/bin/kubeattest
USER 65532:65532
WORKDIR /reports
ENTRYPOINT ["/usr/local/bin/kubeattest"]
CMD ["--help"]
