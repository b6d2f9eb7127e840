using System.Runtime.InteropServices;

namespace LvmCloud.Vision.Models;

/// <summary>
/// Puts a file at a new path without copying its bytes when the file system allows: a hard link (same device, a file
/// system that has them), else a copy. A hard link shares the bytes: the downloaded file must not be edited in place
/// afterwards (re-downloading replaces it with a new file and leaves the link intact).
/// </summary>
public static partial class FilePlacement
{
    /// <summary>Links <paramref name="target"/> to <paramref name="source"/>, or copies it; true when linked.</summary>
    public static bool LinkOrCopy(string source, string target)
    {
        if (TryHardLink(source, target))
            return true;
        File.Copy(source, target);
        return false;
    }

    /// <summary>True when <paramref name="target"/> now names the same file as <paramref name="source"/>.</summary>
    public static bool TryHardLink(string source, string target)
    {
        try
        {
            return OperatingSystem.IsWindows()
                ? CreateHardLinkW(target, source, IntPtr.Zero)
                : Link(source, target) == 0; // EXDEV (another device), EPERM (no links here): copy instead
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string existing, string created);

    [LibraryImport("kernel32.dll", EntryPoint = "CreateHardLinkW", StringMarshalling = StringMarshalling.Utf16, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool CreateHardLinkW(string created, string existing, IntPtr securityAttributes);
}
