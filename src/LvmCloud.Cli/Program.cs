using LvmCloud.Cli;

return await LvmApp.RunAsync(args);
