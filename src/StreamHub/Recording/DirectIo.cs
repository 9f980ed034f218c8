using System.Runtime.InteropServices;

namespace StreamHub.Recording;

/// <summary>Opening a file with Linux's O_DIRECT, which .NET's <see cref="FileOptions"/> do not offer.</summary>
internal static class DirectIo
{
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Exclusive = 0x80;
    private const int CloseOnExec = 0x80000;
    private const int ErrorExists = 17;
    private const int ErrorInvalid = 22;

    /// <summary>O_DIRECT differs between architectures (x86-64: 040000, arm64: 0200000 octal); elsewhere none is used.</summary>
    private static readonly int DirectFlag = !OperatingSystem.IsLinux() ? 0 : RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x4000,
        Architecture.Arm64 => 0x10000,
        _ => 0,
    };

    /// <summary>Creates <paramref name="path"/> (which must not exist) for writing with O_DIRECT. Null, and why in
    /// <paramref name="refused"/>, when this system or the file's filesystem does not do O_DIRECT (the file may then
    /// have been created, empty); an <see cref="IOException"/> when the file exists.</summary>
    public static int? TryCreate(string path, out string? refused)
    {
        refused = null;
        if (DirectFlag == 0)
        {
            refused = $"O_DIRECT is used on Linux x64 and arm64 only, not on {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}";
            return null;
        }
        var fd = open(path, WriteOnly | Create | Exclusive | DirectFlag | CloseOnExec, Convert.ToInt32("644", 8));
        if (fd >= 0)
        {
            return fd;
        }
        var error = Marshal.GetLastPInvokeError();
        if (error == ErrorExists)
        {
            throw new IOException($"{path} exists", error);
        }
        refused = error == ErrorInvalid
            ? "its filesystem refuses O_DIRECT (EINVAL)"
            : $"opening a file there with O_DIRECT failed ({Marshal.GetPInvokeErrorMessage(error)})";
        return null;
    }

    // Variadic in C (the mode); on x86-64 and arm64 Linux a variadic int goes where a fixed one does.
#pragma warning disable SYSLIB1054, CA2101 // LibraryImport would need unsafe code; the path is UTF-8 as Linux takes it.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
#pragma warning restore SYSLIB1054, CA2101
}
