using System.Net;
using System.Net.Sockets;

namespace StreamHub.Tests.Infrastructure;

/// <summary>Free loopback TCP ports for servers under test. The OS picks each (bind to port 0), so tests never
/// depend on 80/443/1935 being free.</summary>
public static class FreePorts
{
    private static readonly HashSet<int> Handed = [];

    public static int Next()
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                if (Handed.Add(port))
                {
                    return port;
                }
            }
            throw new InvalidOperationException("No free loopback port found in 50 attempts.");
        }
    }
}
