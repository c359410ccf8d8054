import { DASHBOARD_WATCHED_LIMIT } from '../dashboard.js';

/** `meterkit config example`: every key of the config file, commented; it passes `meterkit config check`. */
export const CONFIG_EXAMPLE = `# meterkit agent --config meterkit.yaml
# Every key is optional; a section that is present turns its feature on (docker, proxy,
# monitor, report, notify, remote_write, cluster). Durations: ms, or 500ms, 2s, 5m, 1h. Flags given on the
# command line override the file. Reload: SIGHUP or POST /-/reload.

http:
  listen: 127.0.0.1:9464          # needs a restart to change
  # auth:                         # or METERKIT_AUTH_TOKEN / METERKIT_BASIC_AUTH
  #   token_file: /etc/meterkit/token
  #   basic_file: /etc/meterkit/basic-auth   # user:password
  # tls:                          # serve HTTPS; needs a restart to change
  #   cert: /etc/meterkit/cert.pem
  #   key: /etc/meterkit/key.pem
  collect_timeout: 10s
  max_concurrent: 16
  openmetrics: false
  openmetrics_created: false

stream:
  enabled: true
  listen: 127.0.0.1:5000          # needs a restart to change
  buffer: 1024
  buffer_bytes: 4194304
  interval: 1s

process:
  enabled: true

dashboard:                        # the web page at /; needs a restart to change
  max_clients: 4                  # live-update streams open at once; more get 503
  max_watched: 64                 # series watched at once, the overview's included (at least ${DASHBOARD_WATCHED_LIMIT.min})

docker:
  url: unix:///var/run/docker.sock
  naming: docker                  # or cadvisor

proxy:
  naming: meterkit                # or gobetween
  drain_timeout: 5s
  servers:
    - name: web
      bind: 127.0.0.1:8080
      strategy: leastconn         # weight, roundrobin, leastconn, leastbandwidth, iphash, iphash1
      backends:
        - 127.0.0.1:9001
        - address: 127.0.0.1:9002
          weight: 3
          priority: 1
      healthcheck:
        kind: ping                # or probe (send, expect | expect_regex) or exec (command, args)
        interval: 2s
        timeout: 1s
        fails: 2
        passes: 1
      connect_timeout: 5s
      client_idle_timeout: 0
      backend_idle_timeout: 0
      max_connections: 0
      proxy_protocol: false
      # tls:
      #   cert: /etc/meterkit/proxy-cert.pem
      #   key: /etc/meterkit/proxy-key.pem

monitor:
  detector: ttl                   # or phi
  check_interval: 15s
  peers: [web-1, web-2]
  # nats: nats://127.0.0.1:4222

report:
  to: http://127.0.0.1:9464
  peer_id: web-1
  interval: 5s
  ttl: 15s
  # auth:
  #   token_file: /etc/meterkit/monitor-token

notify:
  queue: sqlite                   # or memory, or nats://HOST:PORT; needs a restart to change
  worker: false
  state_dir: /var/lib/meterkit    # needs a restart to change
  endpoints:
    - name: ops
      url: https://hooks.example.com/meterkit
      # secret_file: /etc/meterkit/ops-secret   # or METERKIT_NOTIFY_SECRET_OPS
      headers:
        X-Team: ops
      timeout: 5s
      threshold: 3
      backoff: 1s
      max_backoff: 60s
      max_attempts: 10
      format: meterkit            # or cloudevents
      ignore: [container.start]
      batch: 100
      batch_wait: 0
      # ca: /etc/meterkit/ca.pem

remote_write:                     # one entry per receiver; needs a restart to change
  - url: http://127.0.0.1:9090/api/v1/write
    name: prometheus              # remote_name label (default: from the URL); unique
    interval: 15s
    external_labels:
      site: eu-1
    headers:
      X-Scope-OrgID: ops          # values never shown
    # auth:                       # one of them; none: METERKIT_REMOTE_WRITE_BEARER_TOKEN
    #   token_file: /etc/meterkit/rw-token      # or METERKIT_REMOTE_WRITE_BASIC_AUTH
    #   basic_file: /etc/meterkit/rw-basic-auth # user:password
    # tls:                        # for an https: URL
    #   ca: /etc/meterkit/rw-ca.pem
    #   cert: /etc/meterkit/rw-client.pem
    #   key: /etc/meterkit/rw-client-key.pem
    #   insecure_skip_verify: false
    timeout: 30s
    shards: 1
    max_samples_per_send: 2000
    buffer: 1000000

# cluster:                        # be a node:cluster primary; needs a restart to change
#   file: ./worker.mjs            # the worker script (it calls serveClusterMetrics)
#   workers: 4                    # default: one per CPU core
`;
