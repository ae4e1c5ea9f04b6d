# chatwasm's container image: a static binary on distroless, run as a non-root
# user (README.md, "Deployment").
#
#   docker build -t chatwasm .
#   docker run -p 8080:8080 -v chatwasm-data:/data chatwasm
#
# The build stage compiles without cgo: the SQLite driver (modernc.org/sqlite)
# is pure Go, so the binary needs no C library and runs on an image without
# one.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/chatwasm ./cmd/chatwasm \
 && mkdir -p /out/data

# distroless/static: CA certificates and time zones, no shell, no package
# manager; its "nonroot" user is 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/chatwasm /chatwasm
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Serve on every interface of the container; SQLite in the volume (set
# CHATWASM_DB to a postgres:// URL for PostgreSQL); compiled modules cached
# there too, for fast restarts.
ENV CHATWASM_ADDR=0.0.0.0:8080 \
    CHATWASM_DB=sqlite:/data/chatwasm.db \
    CHATWASM_MODULE_CACHE=/data/module-cache
VOLUME /data
EXPOSE 8080
# No curl here: the binary asks /healthz itself, on CHATWASM_ADDR's port.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/chatwasm", "health"]
ENTRYPOINT ["/chatwasm"]
CMD ["serve"]
