namespace StreamHub.Tests.Infrastructure;

/// <summary>Debian's nginx as a caching reverse proxy in front of a StreamHub's HLS, with the configuration README
/// gives (<see cref="HlsLocation"/>), on a free loopback port, its cache under the nginx's temp prefix.</summary>
public sealed class NginxHlsCache : IAsyncDisposable
{
    private readonly NginxProcess _nginx;

    private NginxHlsCache(NginxProcess nginx, int httpPort)
    {
        _nginx = nginx;
        HttpPort = httpPort;
    }

    public int HttpPort { get; }

    public Uri Base => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary>The http-level part of README's configuration: which requests skip the cache.</summary>
    public const string HlsMap = """
        # A plain playlist (no _HLS_msn/_HLS_part) is no-cache: it goes to StreamHub uncached, and skips the cache
        # lock, which would otherwise let the viewers joining at once through one by one.
        map $request_uri $hls_plain_playlist {
            ~\.m3u8$  1;
            default   0;
        }
        """;

    /// <summary>The <c>location /hls/</c> block README documents, for an upstream named <c>streamhub</c> and a cache
    /// zone named <c>hls</c>.</summary>
    public const string HlsLocation = """
        location /hls/ {
            proxy_pass http://streamhub;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_cache hls;
            proxy_cache_bypass $hls_plain_playlist;
            proxy_no_cache $hls_plain_playlist;
            # The default key holds the query string: each _HLS_msn/_HLS_part/_HLS_skip is its own entry.
            proxy_cache_key $scheme$proxy_host$request_uri;
            # Identical requests that miss wait for the first one's answer instead of each going to StreamHub.
            proxy_cache_lock on;
            # Longer than a blocking reload may wait at StreamHub (three target durations).
            proxy_cache_lock_timeout 20s;
            proxy_cache_lock_age 20s;
            # Lifetimes come from StreamHub's Cache-Control: segments, parts and init a day (immutable), blocking
            # reload answers 6 s, plain playlists and 404s no-cache (not stored).
            add_header X-Cache-Status $upstream_cache_status always;
        }
        """;

    public static async Task<NginxHlsCache> StartAsync(int originPort)
    {
        var port = FreePorts.Next();
        var nginx = await NginxProcess.StartAsync("nginx-cache", prefix =>
        {
            var cache = Directory.CreateDirectory(Path.Combine(prefix, "cache")).FullName;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cache, (UnixFileMode)0b111_111_111);
            }
            return $$"""
                http {
                    access_log off;
                {{NginxProcess.HttpTempPaths(prefix)}}
                    proxy_cache_path {{cache}} levels=1:2 keys_zone=hls:10m max_size=1g inactive=2m use_temp_path=off;
                {{HlsMap}}
                    upstream streamhub {
                        server 127.0.0.1:{{originPort}};
                        keepalive 32;
                    }
                    server {
                        listen 127.0.0.1:{{port}};
                {{HlsLocation}}
                    }
                }
                """;
        }, port);
        return new NginxHlsCache(nginx, port);
    }

    public void AssertRunning() => _nginx.AssertRunning();

    public string ErrorLog() => _nginx.ErrorLog();

    public ValueTask DisposeAsync() => _nginx.DisposeAsync();
}
