using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Infrastructure;

/// <summary>nginx with Debian's libnginx-mod-rtmp, the server StreamHub is compared with: in the foreground (no
/// daemon), one worker, RTMP and HTTP on free loopback ports, configuration and logs under a fresh temp prefix, HLS
/// fragments in a world-writable folder (the worker runs as nobody when the tests run as root) served by the same
/// nginx with open CORS, like StreamHub's.</summary>
public sealed class NginxRtmpServer : IAsyncDisposable
{
    public const string ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    private readonly string _prefix;
    private readonly string _hlsPath;
    private BackgroundProcess? _process;

    private NginxRtmpServer(string prefix, string hlsPath)
    {
        _prefix = prefix;
        _hlsPath = hlsPath;
    }

    public int RtmpPort { get; } = FreePorts.Next();
    public int HttpPort { get; } = FreePorts.Next();

    public string PublishUrl(string name) => $"rtmp://127.0.0.1:{RtmpPort}/live/{name}";

    public Uri PlaylistUrl(string name) => new($"http://127.0.0.1:{HttpPort}/hls/{name}.m3u8");

    /// <param name="fragment">nginx-rtmp's <c>hls_fragment</c>: a fragment is cut at the first keyframe once it is this long.</param>
    /// <param name="playlistLength">nginx-rtmp's <c>hls_playlist_length</c>: how much the live playlist lists.</param>
    public static async Task<NginxRtmpServer> StartAsync(string fragment = "2s", string playlistLength = "12s")
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        if (nginx is null || !File.Exists(ModulePath))
        {
            Assert.Fail($"nginx-rtmp is not installed ({(nginx is null ? "no nginx" : $"no {ModulePath}")}): " +
                "apt-get install nginx libnginx-mod-rtmp (.ci/run installs them).");
        }
        var prefix = Directory.CreateTempSubdirectory("streamhub-nginx-").FullName;
        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var hlsPath = Directory.CreateDirectory(Path.Combine(shm, $"streamhub-nginx-hls-{Guid.NewGuid():N}")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hlsPath, (UnixFileMode)0b111_111_111);
        }
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        var server = new NginxRtmpServer(prefix, hlsPath);
        var conf = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            load_module {{ModulePath}};
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 256; }
            rtmp {
                server {
                    listen 127.0.0.1:{{server.RtmpPort}};
                    chunk_size 4096;
                    application live {
                        live on;
                        hls on;
                        hls_path {{hlsPath}};
                        hls_fragment {{fragment}};
                        hls_playlist_length {{playlistLength}};
                    }
                }
            }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
                server {
                    listen 127.0.0.1:{{server.HttpPort}};
                    location /hls/ {
                        alias {{hlsPath}}/;
                        add_header Cache-Control no-cache;
                        add_header Access-Control-Allow-Origin *;
                    }
                }
            }
            """);
        server._process = BackgroundProcess.Start("nginx-rtmp", nginx!,
            ["-c", conf, "-p", prefix + "/", "-e", Path.Combine(prefix, "logs", "error.log")]);
        try
        {
            await server.WaitForPortAsync(server.HttpPort);
            await server.WaitForPortAsync(server.RtmpPort);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            _process!.AssertRunning();
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        Assert.Fail($"nginx-rtmp did not listen on 127.0.0.1:{port} within 15 s:\n{_process!.Output}\n{ErrorLog()}");
    }

    private string ErrorLog()
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
        foreach (var directory in new[] { _hlsPath, _prefix })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
