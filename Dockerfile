# envtrace: one static binary on a distroless base, run as a non-root user.
# docs/deployment.md explains the layout; compose.yaml runs PostGIS and two
# replicas. Build: docker build -t envtrace .

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo) so that it runs on distroless/static; timetzdata embeds
# the zone database, so Asia/Taipei works whatever the image holds.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/envtrace ./cmd/envtrace

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/envtrace /usr/local/bin/envtrace
# 65532 is distroless's "nonroot" user; numeric, so that Kubernetes'
# runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
ENV ENVTRACE_ADDR=0.0.0.0:8080
EXPOSE 8080
# The image has no shell or curl: the binary probes itself. start-period
# covers loading the network and the readings from PostGIS.
HEALTHCHECK --interval=10s --timeout=4s --start-period=120s --retries=3 \
  CMD ["/usr/local/bin/envtrace", "probe", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["/usr/local/bin/envtrace"]
CMD ["serve"]
