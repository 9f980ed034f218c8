using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Infrastructure;

/// <summary>A loopback TCP relay that holds what a client sends and passes it on in bursts: everything that arrived in
/// one <see cref="Interval"/> is written to the server in one write. An encoder on a CPU-starved machine feeds a server
/// like this (many frames and chunks in one read, chunk-size changes and sequence headers among them); the relay makes
/// that happen every run instead of now and then. The server's answers go back at once. One connection at a time,
/// until disposed.</summary>
public sealed class BurstyTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _server;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private long _bursts;
    private long _largestBurst;

    private BurstyTcpRelay(IPEndPoint server, TimeSpan interval)
    {
        _server = server;
        Interval = interval;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public TimeSpan Interval { get; }

    /// <summary>The port clients connect to instead of the server's.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Writes to the server that carried client bytes.</summary>
    public long Bursts => Interlocked.Read(ref _bursts);

    /// <summary>The most client bytes written to the server in one write.</summary>
    public long LargestBurst => Interlocked.Read(ref _largestBurst);

    public static BurstyTcpRelay Start(int serverPort, TimeSpan interval) => new(new IPEndPoint(IPAddress.Loopback, serverPort), interval);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_server, _stop.Token);
                var up = client.GetStream();
                var down = server.GetStream();
                using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var answers = down.CopyToAsync(up, done.Token);
                await ForwardInBurstsAsync(up, down, done.Token);
                await done.CancelAsync();
                await answers.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client, the server or the test ended the connection.
            }
        }
    }

    /// <summary>Reads the client for one interval at a time and writes what came in one write.</summary>
    private async Task ForwardInBurstsAsync(NetworkStream client, NetworkStream server, CancellationToken cancel)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        var pending = client.ReadAsync(chunk, cancel).AsTask();
        while (true)
        {
            var burstEnd = DateTime.UtcNow + Interval;
            var closed = false;
            while (DateTime.UtcNow < burstEnd)
            {
                var wait = burstEnd - DateTime.UtcNow;
                if (await Task.WhenAny(pending, Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancel)) != pending)
                {
                    break;
                }
                var read = await pending;
                if (read == 0)
                {
                    closed = true;
                    break;
                }
                buffer.Write(chunk, 0, read);
                pending = client.ReadAsync(chunk, cancel).AsTask();
            }
            if (buffer.Length > 0)
            {
                await server.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancel);
                Interlocked.Increment(ref _bursts);
                if (buffer.Length > Interlocked.Read(ref _largestBurst))
                {
                    Interlocked.Exchange(ref _largestBurst, buffer.Length);
                }
                buffer.SetLength(0);
            }
            if (closed)
            {
                server.Socket.Shutdown(SocketShutdown.Send);
                // Let the server finish with what it was sent before the connection goes.
                await Task.Delay(TimeSpan.FromSeconds(1), cancel);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
