using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Debian's nginx in the foreground (no daemon), one worker, its configuration, pid, logs and temp files under
/// a fresh temp prefix, started and waited for on the loopback ports it listens on. The test harnesses built on it
/// (<see cref="NginxRtmpServer"/>, <see cref="NginxHlsCache"/>) give only the part of the configuration that is theirs.</summary>
public sealed class NginxProcess : IAsyncDisposable
{
    private readonly string _name;
    private readonly BackgroundProcess _process;

    private NginxProcess(string name, string prefix, BackgroundProcess process)
    {
        _name = name;
        Prefix = prefix;
        _process = process;
    }

    /// <summary>The temp prefix: world-writable, since the worker runs as nobody when the tests run as root.</summary>
    public string Prefix { get; }

    /// <summary>Creates the prefix, calls <paramref name="configure"/> with it for the configuration's main part (the
    /// <c>http</c> and <c>rtmp</c> blocks; <see cref="HttpTempPaths"/> keeps the http block's temp files under the
    /// prefix), writes <c>nginx.conf</c>, starts nginx and waits up to 15 s for each of <paramref name="ports"/>.</summary>
    public static async Task<NginxProcess> StartAsync(string name, Func<string, string> configure, params int[] ports)
    {
        var nginx = new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists);
        if (nginx is null)
        {
            Assert.Fail("nginx is not installed: apt-get install nginx (.ci/run installs it).");
        }
        var prefix = Directory.CreateTempSubdirectory($"streamhub-{name}-").FullName;
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(prefix, (UnixFileMode)0b111_111_111);
        }
        var main = configure(prefix);
        var conf = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            {{(main.Contains("rtmp {", StringComparison.Ordinal) ? $"load_module {NginxRtmpServer.ModulePath};" : "")}}
            daemon off;
            master_process on;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/logs/error.log warn;
            events { worker_connections 1024; }
            {{main}}
            """);
        var server = new NginxProcess(name, prefix, BackgroundProcess.Start(name, nginx!,
            ["-c", conf, "-p", prefix + "/", "-e", Path.Combine(prefix, "logs", "error.log")]));
        try
        {
            foreach (var port in ports)
            {
                await server.WaitForPortAsync(port);
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>The http block's temp file directives, under <paramref name="prefix"/>.</summary>
    public static string HttpTempPaths(string prefix) => $"""
        client_body_temp_path {prefix}/body;
        proxy_temp_path {prefix}/proxy;
        fastcgi_temp_path {prefix}/fastcgi;
        uwsgi_temp_path {prefix}/uwsgi;
        scgi_temp_path {prefix}/scgi;
        """;

    public void AssertRunning() => _process.AssertRunning();

    public string ErrorLog()
    {
        var path = Path.Combine(Prefix, "logs", "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            _process.AssertRunning();
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
        Assert.Fail($"{_name} did not listen on 127.0.0.1:{port} within 15 s:\n{_process.Output}\n{ErrorLog()}");
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        DeleteDirectory(Prefix);
    }

    /// <summary>Deletes a folder nginx wrote to, ignoring what a worker still holds.</summary>
    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
