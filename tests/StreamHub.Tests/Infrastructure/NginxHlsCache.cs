using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Debian's nginx as a caching reverse proxy in front of a StreamHub's HLS, with the configuration README
/// gives (<see cref="HlsLocation"/>): in the foreground, one worker, on a free loopback port, its cache, temp files and
/// logs under a fresh temp prefix.</summary>
public sealed class NginxHlsCache : IAsyncDisposable
{
    private readonly string _prefix;
    private BackgroundProcess? _process;

    private NginxHlsCache(string prefix) => _prefix = prefix;

    public int HttpPort { get; } = FreePorts.Next();

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
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        if (nginx is null)
        {
            Assert.Fail("nginx is not installed: apt-get install nginx (.ci/run installs it).");
        }
        var prefix = Directory.CreateTempSubdirectory("streamhub-nginx-cache-").FullName;
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        var cache = Directory.CreateDirectory(Path.Combine(prefix, "cache")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            // The worker runs as nobody when the tests run as root.
            File.SetUnixFileMode(prefix, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(cache, (UnixFileMode)0b111_111_111);
        }
        var server = new NginxHlsCache(prefix);
        var conf = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                proxy_cache_path {{cache}} levels=1:2 keys_zone=hls:10m max_size=1g inactive=2m use_temp_path=off;
            {{HlsMap}}
                upstream streamhub {
                    server 127.0.0.1:{{originPort}};
                    keepalive 32;
                }
                server {
                    listen 127.0.0.1:{{server.HttpPort}};
            {{HlsLocation}}
                }
            }
            """);
        server._process = BackgroundProcess.Start("nginx-cache", nginx!,
            ["-c", conf, "-p", prefix + "/", "-e", Path.Combine(prefix, "logs", "error.log")]);
        try
        {
            await server.WaitForPortAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    public void AssertRunning() => _process!.AssertRunning();

    private async Task WaitForPortAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            _process!.AssertRunning();
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, HttpPort));
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"nginx did not listen on 127.0.0.1:{HttpPort} within 15 s:\n{_process!.Output}\n{ErrorLog()}");
    }

    public string ErrorLog()
    {
        var path = Path.Combine(_prefix, "logs", "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
