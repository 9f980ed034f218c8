using System.Diagnostics;

namespace StreamHub.LoadTest;

/// <summary>nginx with Debian's libnginx-mod-rtmp, one worker, HLS fragments on tmpfs, served by the same nginx.</summary>
public sealed class NginxServer : ServerUnderTest
{
    private readonly string _prefix;
    private readonly string _hlsPath;

    public NginxServer(string workDirectory, string runId)
    {
        _prefix = Path.Combine(workDirectory, "nginx");
        _hlsPath = Path.Combine("/dev/shm", $"streamhub-loadtest-{runId}-{Environment.ProcessId}");
        RtmpPort = FreePort();
        HttpPort = FreePort();
    }

    public const string ModulePath = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

    public override string Name => "nginx-rtmp";

    public override string Application => "live";

    /// <summary>Null when nginx and the RTMP module are installed, else why not.</summary>
    public static string? Unavailable()
    {
        var nginx = Which("nginx");
        if (nginx is null)
        {
            return "nginx is not installed (apt-get install -y nginx libnginx-mod-rtmp)";
        }
        return File.Exists(ModulePath) ? null : $"{ModulePath} is missing (apt-get install -y libnginx-mod-rtmp)";
    }

    public static string? Which(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(d => Path.Combine(d, command)).FirstOrDefault(File.Exists);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(_prefix, "logs"));
        Directory.CreateDirectory(_hlsPath);
        // The worker may run as another user (nobody, when started as root).
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_hlsPath, (UnixFileMode)0b111_111_111);
        var conf = Path.Combine(_prefix, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            load_module {{ModulePath}};
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{_prefix}}/nginx.pid;
            error_log {{_prefix}}/logs/error.log warn;
            events { worker_connections 8192; }
            rtmp {
                server {
                    listen 127.0.0.1:{{RtmpPort}};
                    chunk_size 4096;
                    application live {
                        live on;
                        hls on;
                        hls_path {{_hlsPath}};
                        hls_fragment 2s;
                        hls_playlist_length 12s;
                    }
                }
            }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 1000000;
                client_body_temp_path {{_prefix}}/body;
                proxy_temp_path {{_prefix}}/proxy;
                fastcgi_temp_path {{_prefix}}/fastcgi;
                uwsgi_temp_path {{_prefix}}/uwsgi;
                scgi_temp_path {{_prefix}}/scgi;
                types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
                server {
                    listen 127.0.0.1:{{HttpPort}};
                    location /hls/ {
                        alias {{_hlsPath}}/;
                        add_header Cache-Control no-cache;
                        add_header Access-Control-Allow-Origin *;
                    }
                }
            }
            """, cancellationToken);
        var start = new ProcessStartInfo(Which("nginx")!, ["-c", conf, "-p", _prefix + "/", "-e", Path.Combine(_prefix, "logs", "error.log")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process = System.Diagnostics.Process.Start(CpuPinning.OnCpus(start, Cpus)) ?? throw new InvalidOperationException("nginx did not start");
        Process.OutputDataReceived += (_, e) => { if (e.Data is { } line) Console.Error.WriteLine($"  nginx: {line}"); };
        Process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Console.Error.WriteLine($"  nginx: {line}"); };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
        await WaitForPortAsync(HttpPort, Process, cancellationToken);
        await WaitForPortAsync(RtmpPort, Process, cancellationToken);
    }

    public override Task<string[]> PrepareStreamsAsync(string[] names, CancellationToken cancellationToken) =>
        Task.FromResult(names);

    public override string PlaylistUrl(string name) => $"http://127.0.0.1:{HttpPort}/hls/{name}.m3u8";

    /// <summary>Fragments live on tmpfs (page cache), not in nginx's memory.</summary>
    public override double SegmentBytesPerStream(double mediaBytesPerSecond) => 0;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            if (Directory.Exists(_hlsPath))
            {
                Directory.Delete(_hlsPath, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }
}
