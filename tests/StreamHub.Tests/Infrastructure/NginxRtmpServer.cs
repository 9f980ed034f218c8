namespace StreamHub.Tests.Infrastructure;

/// <summary>nginx with Debian's libnginx-mod-rtmp, the server StreamHub is compared with: RTMP and HTTP on free
/// loopback ports, HLS fragments in a world-writable folder (the worker runs as nobody when the tests run as root)
/// served by the same nginx with open CORS, like StreamHub's.</summary>
public sealed class NginxRtmpServer : IAsyncDisposable
{
    public const string ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    private readonly NginxProcess _nginx;
    private readonly string _hlsPath;

    private NginxRtmpServer(NginxProcess nginx, string hlsPath, int rtmpPort, int httpPort)
    {
        _nginx = nginx;
        _hlsPath = hlsPath;
        RtmpPort = rtmpPort;
        HttpPort = httpPort;
    }

    public int RtmpPort { get; }
    public int HttpPort { get; }

    public string PublishUrl(string name) => $"rtmp://127.0.0.1:{RtmpPort}/live/{name}";

    public Uri PlaylistUrl(string name) => new($"http://127.0.0.1:{HttpPort}/hls/{name}.m3u8");

    /// <param name="fragment">nginx-rtmp's <c>hls_fragment</c>: a fragment is cut at the first keyframe once it is this long.</param>
    /// <param name="playlistLength">nginx-rtmp's <c>hls_playlist_length</c>: how much the live playlist lists.</param>
    public static async Task<NginxRtmpServer> StartAsync(string fragment = "2s", string playlistLength = "12s")
    {
        if (!File.Exists(ModulePath))
        {
            Assert.Fail($"nginx-rtmp is not installed (no {ModulePath}): apt-get install nginx libnginx-mod-rtmp (.ci/run installs them).");
        }
        var shm = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var hlsPath = Directory.CreateDirectory(Path.Combine(shm, $"streamhub-nginx-hls-{Guid.NewGuid():N}")).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(hlsPath, (UnixFileMode)0b111_111_111);
        }
        var rtmpPort = FreePorts.Next();
        var httpPort = FreePorts.Next();
        try
        {
            var nginx = await NginxProcess.StartAsync("nginx-rtmp", prefix => $$"""
                rtmp {
                    server {
                        listen 127.0.0.1:{{rtmpPort}};
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
                {{NginxProcess.HttpTempPaths(prefix)}}
                    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
                    server {
                        listen 127.0.0.1:{{httpPort}};
                        location /hls/ {
                            alias {{hlsPath}}/;
                            add_header Cache-Control no-cache;
                            add_header Access-Control-Allow-Origin *;
                        }
                    }
                }
                """, httpPort, rtmpPort);
            return new NginxRtmpServer(nginx, hlsPath, rtmpPort, httpPort);
        }
        catch
        {
            NginxProcess.DeleteDirectory(hlsPath);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _nginx.DisposeAsync();
        NginxProcess.DeleteDirectory(_hlsPath);
    }
}
