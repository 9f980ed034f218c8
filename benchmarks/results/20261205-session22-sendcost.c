/* Session 22: what one send of an 11.3 KB frame to one of N loopback TCP readers costs the sender, three ways.
 * Mode 0: one sendmsg per reader (what StreamHub does). Mode 1: the frame vmspliced into a pipe once, then per reader
 * tee into the reader's own pipe and splice to its socket. Mode 2: the frame written into a pipe once, then per
 * reader tee into one scratch pipe and splice to the socket. The sender runs on core 0, one thread reading every
 * socket without sleeping on core 1.
 *   gcc -O2 -o sendcost 20261205-session22-sendcost.c -lpthread && ./sendcost MODE [N [BYTES]]
 * Session 23 added the flush a player really gets, the held audio (AUDIO bytes) and the video frame: mode 3, one
 * sendmsg of the two (what StreamHub does); mode 4, the two written once into one pipe, then per reader one tee into
 * the scratch pipe and a splice; mode 5, each in a pipe of its own, two tees and a splice per reader (session 22's
 * build); mode 6, the audio written into the scratch pipe, the video tee'd, then a splice.
 * The figure it prints is the sender thread's CPU clock; session 22 read core 0's busy time from /proc/stat instead
 * (softirq included), six alternated runs per mode. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

static int AUDIO = 400;
static int N = 100, FRAMES = 3000, SIZE = 11300, MODE = 0;
static int *srv, *cli;
static volatile int done = 0;

static void pin(int cpu){ cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu,&s); sched_setaffinity(0,sizeof s,&s); }
static double tcpu(void){ struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+t.tv_nsec/1e9; }
static double now(void){ struct timespec t; clock_gettime(CLOCK_MONOTONIC,&t); return t.tv_sec+t.tv_nsec/1e9; }

static void *reader(void *a){
  pin(1); char buf[65536];
  while(!done){ for(int i=0;i<N;i++){ while(recv(cli[i],buf,sizeof buf,MSG_DONTWAIT)>0); } }
  return 0;
}

int main(int argc,char**argv){
  if(argc>1) MODE=atoi(argv[1]);
  if(argc>2) N=atoi(argv[2]);
  if(argc>3) SIZE=atoi(argv[3]);
  srv=calloc(N,sizeof(int)); cli=calloc(N,sizeof(int));
  int l=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={.sin_family=AF_INET,.sin_addr.s_addr=htonl(0x7f000001)}; socklen_t al=sizeof a;
  bind(l,(void*)&a,sizeof a); listen(l,1024); getsockname(l,(void*)&a,&al);
  for(int i=0;i<N;i++){ cli[i]=socket(AF_INET,SOCK_STREAM,0); connect(cli[i],(void*)&a,sizeof a); srv[i]=accept(l,0,0);
    int one=1; setsockopt(srv[i],IPPROTO_TCP,TCP_NODELAY,&one,sizeof one); fcntl(srv[i],F_SETFL,O_NONBLOCK); fcntl(cli[i],F_SETFL,O_NONBLOCK); }
  pthread_t t; pthread_create(&t,0,reader,0);
  pin(0);
  char *frame=aligned_alloc(4096,1<<16); memset(frame,7,1<<16);
  int src[2], asrc[2], *pp=calloc(N*2,sizeof(int));
  if(MODE>=1 && MODE!=3){ pipe2(asrc,O_NONBLOCK); pipe2(src,O_NONBLOCK); fcntl(src[1],F_SETPIPE_SZ,1<<16); for(int i=0;i<N;i++){ pipe2(pp+2*i,O_NONBLOCK); fcntl(pp[2*i+1],F_SETPIPE_SZ,1<<16);} }
  int devnull=open("/dev/null",O_WRONLY);
  long sends=0, fails=0; double c0=tcpu(), w0=now();
  for(int f=0;f<FRAMES;f++){
    if(MODE==3){
      for(int i=0;i<N;i++){ struct iovec v[2]={{frame+32768,AUDIO},{frame,SIZE}}; struct msghdr m={.msg_iov=v,.msg_iovlen=2}; ssize_t r=sendmsg(srv[i],&m,MSG_DONTWAIT|MSG_NOSIGNAL); if(r!=SIZE+AUDIO) fails++; sends++; }
    } else if(MODE==4){
      ssize_t r=write(src[1],frame,SIZE+AUDIO); if(r!=SIZE+AUDIO){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[1],SIZE+AUDIO,SPLICE_F_NONBLOCK); if(t1!=SIZE+AUDIO) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE+AUDIO,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE+AUDIO){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else if(MODE==5||MODE==6){
      if(MODE==5){ ssize_t ra=write(asrc[1],frame+32768,AUDIO); if(ra!=AUDIO) fails++; }
      ssize_t r=write(src[1],frame,SIZE); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t0= MODE==5 ? tee(asrc[0],pp[1],AUDIO,SPLICE_F_NONBLOCK) : write(pp[1],frame+32768,AUDIO); if(t0!=AUDIO) fails++;
        ssize_t t1=tee(src[0],pp[1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE+AUDIO,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE+AUDIO){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
      if(MODE==5) while(splice(asrc[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else if(MODE==0){
      for(int i=0;i<N;i++){ struct iovec v={frame,SIZE}; struct msghdr m={.msg_iov=&v,.msg_iovlen=1}; ssize_t r=sendmsg(srv[i],&m,MSG_DONTWAIT|MSG_NOSIGNAL); if(r!=SIZE) fails++; sends++; }
    } else if(MODE==2){
      ssize_t r=write(src[1],frame,SIZE); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[0],0,srv[i],0,SIZE,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE){ fails++; while(splice(pp[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    } else {
      struct iovec v={frame,SIZE}; ssize_t r=vmsplice(src[1],&v,1,0); if(r!=SIZE){fails++;}
      for(int i=0;i<N;i++){
        ssize_t t1=tee(src[0],pp[2*i+1],SIZE,SPLICE_F_NONBLOCK); if(t1!=SIZE) fails++;
        ssize_t s1=splice(pp[2*i],0,srv[i],0,SIZE,SPLICE_F_NONBLOCK|SPLICE_F_MOVE); if(s1!=SIZE){ fails++; /* drain leftover */ while(splice(pp[2*i],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0); }
        sends++; }
      while(splice(src[0],0,devnull,0,1<<16,SPLICE_F_NONBLOCK)>0);
    }
    /* pace lightly: let the reader drain */
    struct timespec ts={0,200000}; nanosleep(&ts,0);
  }
  double c1=tcpu(), w1=now(); done=1; pthread_join(t,0);
  printf("mode %d N %d size %d: %.2f us sender CPU per send (%ld sends, %ld short), wall %.1f s\n",MODE,N,SIZE,(c1-c0)/sends*1e6,sends,fails,w1-w0);
  return 0;
}
