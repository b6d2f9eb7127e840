namespace LvmCloud.Platform.Storage;

/// <summary>What a SAS URL from <see cref="SasIssuer"/> lets its holder do with its one blob.</summary>
[Flags]
public enum SasAccess
{
    /// <summary>Download it.</summary>
    Read = 1,

    /// <summary>Create it (a new blob).</summary>
    Create = 2,

    /// <summary>Write it (replace it, stage and commit blocks).</summary>
    Write = 4,

    /// <summary>Upload it: create or replace.</summary>
    Upload = Create | Write,

    /// <summary>Upload it in blocks that a later attempt resumes (reads the block list and the committed blob).</summary>
    ResumableUpload = Create | Write | Read,
}
