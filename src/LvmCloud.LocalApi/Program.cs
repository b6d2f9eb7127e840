using LvmCloud.LocalApi;

LocalApiHost.Build(args).Run();
