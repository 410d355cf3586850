module cileakdemo

go 1.21
