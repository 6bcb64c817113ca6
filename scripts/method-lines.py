#!/usr/bin/env python3
# Lines per named method of a Java file, overloads included (brace matching): python3 scripts/method-lines.py FILE NAME...
import re,sys
# usage: methods.py FILE name1 name2 ... ; prints lines per method (all overloads) and total
f=sys.argv[1]; names=sys.argv[2:]
lines=open(f).read().split('\n')
total=0
for i,l in enumerate(lines):
    m=re.match(r'^    (?! )(?:public |private |static |final |synchronized )*[\w<>\[\], .?]+\s(\w+)\(',l)
    if m and m.group(1) in names and not l.strip().startswith('return'):
        depth=0; j=i; started=False
        while j<len(lines):
            depth+=lines[j].count('{')-lines[j].count('}')
            if '{' in lines[j]: started=True
            if started and depth==0: break
            j+=1
        n=j-i+1; total+=n
        print(f"  {m.group(1)}: {n}")
print(f"  total: {total}")
