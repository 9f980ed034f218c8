using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace StreamHub.LoadTest;

/// <summary>One thread that reads every polled player's socket in turn, without ever waiting in the kernel
/// (<c>--spinning-players</c>). On loopback the server's <c>sendmsg</c> runs the player's side of TCP too, and when the
/// player's thread sleeps in <c>epoll_wait</c> the send also wakes it: an inter-processor interrupt the sender pays,
/// the largest single item in a profile of the server at 100 players, and a cost that players on other machines never
/// put on a server. A player read by this thread has no waiter on its socket (it is in no epoll set and no thread
/// blocks on it), so the server's figure is its own send and the kernel's TCP path, for every server alike. The thread
/// takes a core of its own: use it only with <c>--server-cpus</c>.</summary>
public sealed unsafe class PlayerPoller : IDisposable
{
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;

    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private volatile RtmpPlayer[] _players = [];
    private volatile bool _stopping;
    private long _sweeps;

    public PlayerPoller()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "player poller" };
        _thread.Start();
    }

    public void Add(RtmpPlayer player)
    {
        lock (_gate)
        {
            _players = [.. _players, player];
        }
    }

    /// <summary>Takes the player out and returns once the thread no longer reads it, so its socket can be closed.</summary>
    public void Remove(RtmpPlayer player)
    {
        lock (_gate)
        {
            _players = [.. _players.Where(p => p != player)];
        }
        // A sweep that began before the removal may still hold the old array: wait for the next one to start and end.
        var sweeps = Interlocked.Read(ref _sweeps);
        var spin = new SpinWait();
        while (Interlocked.Read(ref _sweeps) < sweeps + 2 && _thread.IsAlive)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Sends a player's few bytes (acknowledgements, ping responses) without waiting, and without the
    /// runtime's socket calls, which would register the socket with its epoll thread. A socket that cannot take them
    /// at once ends the player (its send buffer is empty in a fan-out run, so that is a fault worth seeing).</summary>
    public static void Send(Socket socket, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* data = bytes)
        {
            var sent = send(socket.Handle, data, (nuint)bytes.Length, MsgDontWait | MsgNoSignal);
            if (sent != bytes.Length)
            {
                throw sent < 0 ? new SocketException(Marshal.GetLastPInvokeError())
                    : new IOException($"the socket took {sent} of {bytes.Length} bytes");
            }
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint send(nint socket, byte* buffer, nuint length, int flags);

    private void Run()
    {
        while (!_stopping)
        {
            foreach (var player in _players)
            {
                player.Poll();
            }
            Interlocked.Increment(ref _sweeps);
            // Runnable all along (no wake-up for anyone to pay), yet the load generator's other threads get the core.
            Thread.Yield();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
    }
}
