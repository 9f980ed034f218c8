using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Restream;

/// <summary>A TCP relay on a free loopback port to <c>127.0.0.1:upstreamPort</c> that can reset every connection it
/// carries (RST to the client, as a platform's load balancer dropping it would), then goes on accepting.</summary>
public sealed class ResettingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _clients = [];
    private readonly Task _accepting;

    public ResettingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections { get; private set; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _upstreamPort), _stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                    Connections++;
                }
                _ = PumpAsync(client, upstream);
                _ = PumpAsync(upstream, client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer);
                if (read == 0)
                {
                    break;
                }
                await to.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        from.Dispose();
        to.Dispose();
    }

    /// <summary>Resets every client connection open now: linger 0 then close sends RST.</summary>
    public void ResetAll()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                try
                {
                    client.LingerState = new LingerOption(true, 0);
                    client.Close();
                }
                catch (ObjectDisposedException)
                {
                }
            }
            _clients.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        ResetAll();
        _stop.Dispose();
    }
}
